// Package gendocs writes the markdown command reference of kubectl eksaccess
// with cobra/doc. It lives outside pkg/cmd so the plugin binary does not
// carry cobra/doc and its markdown libraries.
package gendocs

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
	"github.com/spf13/pflag"
)

// Write replaces the markdown files of dir with the reference of root:
// one file per command, named like kubectl_eksaccess_list.md.
func Write(root *cobra.Command, dir string) error {
	prepare(root)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	old, err := filepath.Glob(filepath.Join(dir, "*.md"))
	if err != nil {
		return err
	}
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			return err
		}
	}
	return doc.GenMarkdownTree(root, dir)
}

// prepare makes the output the same on every machine: no date footer, and
// defaults under the home directory (cli-runtime's --cache-dir) as $HOME.
func prepare(root *cobra.Command) {
	home, _ := os.UserHomeDir()
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.DisableAutoGenTag = true
		for _, fs := range []*pflag.FlagSet{c.LocalFlags(), c.PersistentFlags(), c.InheritedFlags()} {
			fs.VisitAll(func(f *pflag.Flag) {
				if home != "" && strings.HasPrefix(f.DefValue, home) {
					f.DefValue = "$HOME" + strings.TrimPrefix(f.DefValue, home)
				}
			})
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}
