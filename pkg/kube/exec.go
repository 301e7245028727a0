package kube

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// ExecResult is what running a kubeconfig exec plugin gave.
type ExecResult struct {
	Token string
	// Stderr of the plugin, for error messages (it never holds the token).
	Stderr string
}

// RunExec runs a kubeconfig user's exec plugin exactly as kubectl does:
// the command with its args, the user's environment plus the plugin's env,
// and KUBERNETES_EXEC_INFO describing a non-interactive call. It returns
// the token of the ExecCredential the plugin prints.
func RunExec(ctx context.Context, cfg *clientcmdapi.ExecConfig, server string) (ExecResult, error) {
	return StartExec(ctx, cfg, server)()
}

// StartExec starts the exec plugin as RunExec runs it, before it returns;
// wait (called once) waits for it and reads its ExecCredential.
func StartExec(ctx context.Context, cfg *clientcmdapi.ExecConfig, server string) (wait func() (ExecResult, error)) {
	if cfg == nil {
		return func() (ExecResult, error) { return ExecResult{}, errors.New("the kubeconfig user has no exec plugin") }
	}
	info := map[string]any{
		"apiVersion": cfg.APIVersion,
		"kind":       "ExecCredential",
		"spec":       map[string]any{"interactive": false},
	}
	if cfg.ProvideClusterInfo {
		info["spec"].(map[string]any)["cluster"] = map[string]any{"server": server}
	}
	infoJSON, _ := json.Marshal(info)
	cmd := exec.CommandContext(ctx, cfg.Command, cfg.Args...)
	cmd.Env = os.Environ()
	for _, e := range cfg.Env {
		cmd.Env = append(cmd.Env, e.Name+"="+e.Value)
	}
	cmd.Env = append(cmd.Env, "KUBERNETES_EXEC_INFO="+string(infoJSON))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Start()
	return func() (ExecResult, error) {
		if err == nil {
			err = cmd.Wait()
		}
		return execResult(cfg, stdout.Bytes(), stderr.String(), err)
	}
}

// execResult reads what an exec plugin that ended with err printed.
func execResult(cfg *clientcmdapi.ExecConfig, stdout []byte, stderr string, err error) (ExecResult, error) {
	res := ExecResult{Stderr: strings.TrimSpace(stderr)}
	if err != nil {
		var nf *exec.Error
		if errors.As(err, &nf) {
			hint := cfg.InstallHint
			if hint == "" {
				hint = "install it or fix the command in the kubeconfig"
			}
			return res, fmt.Errorf("exec plugin %q not found: %s", cfg.Command, strings.TrimSpace(hint))
		}
		return res, fmt.Errorf("exec plugin %q failed: %v: %s", cfg.Command, err, firstLine(res.Stderr))
	}
	var cred struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Status     *struct {
			Token string `json:"token"`
		} `json:"status"`
	}
	if err := json.Unmarshal(stdout, &cred); err != nil {
		return res, fmt.Errorf("exec plugin %q did not print an ExecCredential: %v", cfg.Command, err)
	}
	if cred.Status == nil || cred.Status.Token == "" {
		return res, fmt.Errorf("exec plugin %q printed an ExecCredential without a token", cfg.Command)
	}
	res.Token = cred.Status.Token
	return res, nil
}

// ExecRoleArgs are the exec-plugin flags that name a role to assume:
// `aws eks get-token --role-arn`, the `--role` that `aws eks
// update-kubeconfig --role-arn` writes (argparse takes the prefix), and
// aws-iam-authenticator's -r.
var ExecRoleArgs = []string{"--role-arn", "--role", "-r"}

// ExecArg returns the value of a flag (--name V, --name=V, or a short
// alias) in an exec plugin's args, or "".
func ExecArg(args []string, names ...string) string {
	for i, a := range args {
		for _, n := range names {
			if a == n && i+1 < len(args) {
				return args[i+1]
			}
			if strings.HasPrefix(a, n+"=") {
				return strings.TrimPrefix(a, n+"=")
			}
		}
	}
	return ""
}

// ExecEnv returns the value the plugin sees for an environment variable:
// its own env section first, then the user's environment.
func ExecEnv(cfg *clientcmdapi.ExecConfig, name string) string {
	for _, e := range cfg.Env {
		if e.Name == name {
			return e.Value
		}
	}
	return os.Getenv(name)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
