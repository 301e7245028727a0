package cmd

import (
	"context"
	"fmt"
	"os"
	"slices"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
	"github.com/eksaccess/kubectl-eksaccess/pkg/kube"
	"github.com/eksaccess/kubectl-eksaccess/third_party/forked/genericclioptions"
)

// RestoreOptions are the options of `restore`.
type RestoreOptions struct {
	writeOptions
	Filename string

	data map[string]string
}

// NewCmdRestore builds `kubectl eksaccess restore`.
func NewCmdRestore(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &RestoreOptions{writeOptions: newWriteOptions(flags, streams)}
	cmd := &cobra.Command{
		Use:   "restore FILE",
		Short: "Write a backup of aws-auth back, through the same diff and guards",
		Long: `Write the data of an aws-auth manifest (a backup that add or remove saved, or
any ConfigMap manifest) back to the cluster. The diff, confirmation, lockout
guards, dry run and backup work as for add.`,
		Example: `  kubectl eksaccess restore ~/.local/state/kubectl-eksaccess/backups/my-context/aws-auth-20261128T101500.000Z-rv4242-3f1c9a0b2d4e.yaml --dry-run`,
		Args:    cobra.ExactArgs(1),
		RunE:    runE(flags, o),
	}
	o.writeOptions.addFlags(cmd)
	return cmd
}

// Complete reads the backup and prepares the clients.
func (o *RestoreOptions) Complete(flags *genericclioptions.ConfigFlags, _ *cobra.Command, args []string) error {
	o.Filename = args[0]
	f, err := os.Open(o.Filename)
	if err != nil {
		return fmt.Errorf("cannot read the backup: %w", err)
	}
	defer f.Close()
	cm, err := kube.ReadManifest(f)
	if err != nil {
		return fmt.Errorf("%s: %w", o.Filename, err)
	}
	if cm.Name != kube.ConfigMapName {
		return fmt.Errorf("%s holds configmap %q, not %s: pass an aws-auth backup", o.Filename, cm.Name, kube.ConfigMapName)
	}
	o.data = cm.Data
	if o.data == nil {
		o.data = map[string]string{}
	}
	return o.complete(flags)
}

// Validate checks the flags.
func (o *RestoreOptions) Validate() error { return o.writeOptions.validate() }

// Run writes the backup's data back.
func (o *RestoreOptions) Run(ctx context.Context) error {
	return o.write(ctx, func(current map[string]string) (edited, error) {
		changed := !equalData(current, o.data)
		keys := []string{}
		for k := range o.data {
			if current[k] != o.data[k] {
				keys = append(keys, k)
			}
		}
		for k := range current {
			if _, ok := o.data[k]; !ok {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		summary := "aws-auth already matches " + o.Filename
		if changed {
			summary = fmt.Sprintf("restored %v from %s", keys, o.Filename)
		}
		return edited{Result: awsauth.Result{Data: o.data, Changed: changed, Summary: summary}}, nil
	})
}
