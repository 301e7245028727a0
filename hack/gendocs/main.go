// Command gendocs writes the command reference of kubectl eksaccess into
// docs/commands: go run ./hack/gendocs. pkg/cmd's TestDocsUpToDate fails
// when the files are stale (go test ./pkg/cmd -run TestDocs -update rewrites them).
package main

import (
	"flag"
	"fmt"
	"os"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/eksaccess/kubectl-eksaccess/hack/gendocs/gendocs"
	"github.com/eksaccess/kubectl-eksaccess/pkg/cmd"
)

func main() {
	dir := flag.String("dir", "docs/commands", "where to write the markdown files")
	flag.Parse()
	root := cmd.NewCmdRoot(genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr})
	if err := gendocs.Write(root, *dir); err != nil {
		fmt.Fprintf(os.Stderr, "gendocs: %v\n", err)
		os.Exit(1)
	}
}
