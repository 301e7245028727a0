package cmd

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/eksaccess/kubectl-eksaccess/pkg/accessentry"
	"github.com/eksaccess/kubectl-eksaccess/pkg/awsapi"
	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
	"github.com/eksaccess/kubectl-eksaccess/third_party/forked/genericclioptions"
)

// completionHelper is the executable kubectl (1.26+) runs, with the words
// after `eksaccess`, to complete `kubectl eksaccess <TAB>`. It is a symlink
// to the plugin: run under that name, the plugin answers as `__complete`.
const completionHelper = "kubectl_complete-eksaccess"

// completionHelperSetup is how to install the helper; krew cannot do it.
const completionHelperSetup = `ln -s "$(command -v kubectl-eksaccess)" "$(dirname "$(command -v kubectl-eksaccess)")/kubectl_complete-eksaccess"`

// completionTimeout bounds a read of the live aws-auth during completion:
// a shell waiting on an unreachable cluster is worse than no candidates.
const completionTimeout = 5 * time.Second

// helperArgs turns the arguments of a run as kubectl_complete-eksaccess
// into a `__complete` request; any other program name keeps args as they are.
func helperArgs(argv0 string, args []string) []string {
	// Both separators: kubectl on Windows may pass a path with either.
	name := argv0[strings.LastIndexAny(argv0, `/\`)+1:]
	name = strings.TrimSuffix(strings.ToLower(name), ".exe")
	if name != completionHelper {
		return args
	}
	return append([]string{cobra.ShellCompRequestCmd}, args...)
}

// registerCompletions adds dynamic completion to the built command tree:
// kubeconfig contexts, clusters and users, -o and --dry-run values, ARNs,
// accounts and groups from aws-auth, access policy names (--policy), --via
// and --type values; and makes `completion` speak of
// kubectl-eksaccess and of the kubectl_complete-eksaccess helper.
func registerCompletions(root *cobra.Command, flags *genericclioptions.ConfigFlags) {
	kubeconfigNames := map[string]func(*clientcmdapi.Config) []string{
		"context": func(c *clientcmdapi.Config) []string { return keys(c.Contexts) },
		"cluster": func(c *clientcmdapi.Config) []string { return keys(c.Clusters) },
		"user":    func(c *clientcmdapi.Config) []string { return keys(c.AuthInfos) },
	}
	for name, list := range kubeconfigNames {
		if root.PersistentFlags().Lookup(name) == nil {
			continue
		}
		_ = root.RegisterFlagCompletionFunc(name, func(cmd *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			raw, err := flags.ToRawKubeConfigLoader().RawConfig()
			if err != nil {
				cobra.CompErrorln(err.Error())
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return withPrefix(list(&raw), toComplete), cobra.ShellCompDirectiveNoFileComp
		})
	}

	for _, c := range root.Commands() {
		if f := c.Flags().Lookup("output"); f != nil {
			formats := outputFormats(f.Usage)
			_ = c.RegisterFlagCompletionFunc("output", fixed(formats...))
		}
		if c.Flags().Lookup("dry-run") != nil {
			_ = c.RegisterFlagCompletionFunc("dry-run", fixed(dryRunNone, dryRunClient, dryRunServer))
		}
		if c.Flags().Lookup("policy") != nil {
			_ = c.RegisterFlagCompletionFunc("policy", completePolicies(flags))
		}
		if c.Flags().Lookup("via") != nil {
			_ = c.RegisterFlagCompletionFunc("via", described([]candidate{
				{viaAccessEntry, "an EKS access entry (API and API_AND_CONFIG_MAP modes)"},
				{viaAWSAuth, "the aws-auth ConfigMap (ignored in API mode)"},
			}))
		}
		if c.Flags().Lookup("type") != nil {
			_ = c.RegisterFlagCompletionFunc("type", fixed(accessentry.Types...))
		}
		switch c.Name() {
		case "remove":
			c.ValidArgsFunction = completeFromAWSAuth(flags, 0, principalARNs)
			registerAWSAuthFlag(c, flags, "account", accountIDs)
		case "list":
			registerAWSAuthFlag(c, flags, "arn", principalARNs)
		case "add":
			registerAWSAuthFlag(c, flags, "group", groupNames)
		}
	}

	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			tuneCompletionCmd(root, c)
		}
	}
}

func registerAWSAuthFlag(c *cobra.Command, flags *genericclioptions.ConfigFlags, name string, pick func(*awsauth.Map) []candidate) {
	if c.Flags().Lookup(name) != nil {
		_ = c.RegisterFlagCompletionFunc(name, completeFromAWSAuth(flags, -1, pick))
	}
}

// candidate is one completion with its description.
type candidate struct{ value, desc string }

// completeFromAWSAuth completes from the entries of aws-auth: the file of
// -f when the command has it, else the live ConfigMap. maxArgs limits the
// positional arguments to complete (-1 for a flag).
func completeFromAWSAuth(flags *genericclioptions.ConfigFlags, maxArgs int, pick func(*awsauth.Map) []candidate) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if maxArgs >= 0 && len(args) > maxArgs {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		src := awsAuthSource{configFlags: flags}
		if f := cmd.Flags().Lookup("filename"); f != nil {
			src.Filename = f.Value.String()
		}
		if src.Filename == "-" {
			return nil, cobra.ShellCompDirectiveNoFileComp // stdin is the shell's, not ours
		}
		if err := src.complete(); err != nil {
			cobra.CompErrorln(err.Error())
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		ctx := cmd.Context()
		if ctx == nil {
			ctx = context.Background()
		}
		ctx, cancel := context.WithTimeout(ctx, completionTimeout)
		defer cancel()
		data, _, err := src.load(ctx)
		if err != nil {
			cobra.CompErrorln(err.Error())
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []string
		seen := map[string]bool{}
		for _, c := range pick(awsauth.Parse(data)) {
			if seen[c.value] || !strings.HasPrefix(c.value, toComplete) {
				continue
			}
			seen[c.value] = true
			if c.desc != "" {
				out = append(out, c.value+"\t"+c.desc)
			} else {
				out = append(out, c.value)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// principalARNs are the role and user ARNs written in aws-auth.
func principalARNs(m *awsauth.Map) []candidate {
	var out []candidate
	for _, e := range m.Entries {
		if e.Kind == awsauth.KindAccount || e.ARN == "" {
			continue
		}
		desc := e.Source()
		if e.Username != "" {
			desc = e.Username + " (" + desc + ")"
		}
		out = append(out, candidate{e.ARN, desc})
	}
	return out
}

// accountIDs are the accounts of mapAccounts.
func accountIDs(m *awsauth.Map) []candidate {
	var out []candidate
	for _, e := range m.Entries {
		if e.Kind == awsauth.KindAccount && e.ARN != "" {
			out = append(out, candidate{e.ARN, e.Source()})
		}
	}
	return out
}

// groupNames are the Kubernetes groups aws-auth already grants.
func groupNames(m *awsauth.Map) []candidate {
	set := map[string]bool{}
	for _, e := range m.Entries {
		for _, g := range e.Groups {
			set[g] = true
		}
	}
	var out []candidate
	for _, g := range keys(set) {
		out = append(out, candidate{value: g})
	}
	return out
}

// outputFormats picks the -o values a flag's help names.
func outputFormats(usage string) []string {
	words := strings.FieldsFunc(usage, func(r rune) bool { return !('a' <= r && r <= 'z') })
	var out []string
	for _, w := range words {
		switch w {
		case "wide", "json", "yaml", "name":
			out = append(out, w)
		}
	}
	return out
}

// policyDescriptions say what some access policies grant.
var policyDescriptions = map[string]string{
	"AmazonEKSClusterAdminPolicy": "cluster-admin: everything (what system:masters was)",
	"AmazonEKSAdminPolicy":        "admin: most resources, RBAC within its scope",
	"AmazonEKSAdminViewPolicy":    "read everything, secrets included",
	"AmazonEKSEditPolicy":         "edit: most resources, no RBAC",
	"AmazonEKSViewPolicy":         "view: read most resources, no secrets",
	"AmazonEKSSecretReaderPolicy": "read secrets only",
	"AmazonEKSAutoNodePolicy":     "EKS Auto Mode nodes (type EC2 entries)",
}

// policyCandidates are the policy names, those for people
// (accessentry.KnownPolicies, described) first, then the others as given.
func policyCandidates(names []string) []candidate {
	out := make([]candidate, 0, len(names))
	for _, p := range accessentry.KnownPolicies {
		if slices.Contains(names, p) {
			out = append(out, candidate{p, policyDescriptions[p]})
		}
	}
	for _, p := range names {
		if !slices.Contains(accessentry.KnownPolicies, p) {
			out = append(out, candidate{p, policyDescriptions[p]})
		}
	}
	return out
}

// policyCompletionTimeout bounds the EKS calls of a --policy completion.
const policyCompletionTimeout = 5 * time.Second

// completePolicies offers the access policies EKS lists for the cluster of
// the command line (--cluster-name, --region, --profile, the kubeconfig's
// exec plugin) when it is reachable, and the built-in list otherwise.
func completePolicies(flags *genericclioptions.ConfigFlags) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		names := accessentry.FallbackPolicies
		t := clusterTarget{configFlags: flags}
		t.ClusterName, _ = cmd.Flags().GetString("cluster-name")
		t.Region, _ = cmd.Flags().GetString("region")
		t.Profile, _ = cmd.Flags().GetString("profile")
		ctx, cancel := context.WithTimeout(cmd.Context(), policyCompletionTimeout)
		defer cancel()
		if cl, _, err := t.describe(ctx, true); err == nil && cl != nil {
			if live, err := awsapi.ListAccessPolicies(ctx, cl.API); err == nil && len(live) > 0 {
				names = live
			}
		}
		return described(policyCandidates(names))(cmd, args, toComplete)
	}
}

// described completes one of the candidates, with its description.
func described(cands []candidate) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		var out []string
		for _, c := range cands {
			if !strings.HasPrefix(c.value, toComplete) {
				continue
			}
			if c.desc != "" {
				out = append(out, c.value+"\t"+c.desc)
			} else {
				out = append(out, c.value)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// fixed completes one of values.
func fixed(values ...string) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		return withPrefix(values, toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func withPrefix(ss []string, prefix string) []string {
	var out []string
	for _, s := range ss {
		if strings.HasPrefix(s, prefix) {
			out = append(out, s)
		}
	}
	return out
}

// tuneCompletionCmd makes cobra's `completion` scripts complete the
// kubectl-eksaccess executable (the root's own name, eksaccess, is no
// program), and tells how `kubectl eksaccess <TAB>` completes.
func tuneCompletionCmd(root, completion *cobra.Command) {
	const binary = "kubectl-eksaccess"
	note := `These scripts complete the ` + binary + ` executable when it is run directly.

For 'kubectl eksaccess <TAB>' (kubectl 1.26 or later, with kubectl's own
completion set up), kubectl runs an executable named ` + completionHelper + `
found on PATH. Make it a symlink to the plugin:

	` + completionHelperSetup + `

`
	completion.Long = note + strings.ReplaceAll(completion.Long, root.Name(), binary)
	for _, sh := range completion.Commands() {
		sh.Long = note + strings.ReplaceAll(sh.Long, root.Name(), binary)
		shell := sh.Name()
		// cobra's own RunE writes to the stream the root had when the
		// command was made; write to the command's stream instead.
		sh.RunE = func(cmd *cobra.Command, _ []string) error {
			noDesc, _ := cmd.Flags().GetBool("no-descriptions")
			use := root.Use
			root.Use = binary
			defer func() { root.Use = use }()
			out := cmd.OutOrStdout()
			switch shell {
			case "bash":
				return root.GenBashCompletionV2(out, !noDesc)
			case "zsh":
				if noDesc {
					return root.GenZshCompletionNoDesc(out)
				}
				return root.GenZshCompletion(out)
			case "fish":
				return root.GenFishCompletion(out, !noDesc)
			case "powershell":
				if noDesc {
					return root.GenPowerShellCompletion(out)
				}
				return root.GenPowerShellCompletionWithDesc(out)
			}
			return fmt.Errorf("no completion for shell %q", shell)
		}
	}
}
