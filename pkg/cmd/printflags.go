package cmd

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/printers"

	"github.com/eksaccess/kubectl-eksaccess/third_party/forked/genericclioptions"
)

// Output formats the plugin prints itself; every other -o value goes to
// cli-runtime's printers.
const (
	outputTable = "table"
	outputWide  = "wide"
	outputName  = "name"
)

// ownFormatHelp says what the plugin's own formats print, in -o's help.
var ownFormatHelp = map[string]string{
	outputTable: "the default",
	outputName:  "TYPE/ARN, one per line",
	"github":    "workflow annotations",
	"sarif":     "SARIF 2.1.0",
}

// printFlags is -o of a command, as kubectl's own `auth whoami` has it: the
// formats of cli-runtime's PrintFlags (json, yaml, kyaml, jsonpath=...,
// jsonpath-file=..., go-template=..., go-template-file=..., with --template
// and --allow-missing-template-keys) and the plugin's own: table (the
// default) and, where a command has them, wide and name. The objects printed
// carry apiVersion/kind (pkg/output/types.go).
//
// The command calls addFlags when it builds its flags, validate in Validate
// (pure), complete in Complete (it may read a template file) and then
// either human or print in Run.
type printFlags struct {
	flags *genericclioptions.PrintFlags
	// own are the formats the command prints itself, table first.
	own []string
	// printer prints the machine formats; complete sets it.
	printer printers.ResourcePrinter
}

// newPrintFlags is -o with table and the other formats the command prints
// itself (wide, name).
func newPrintFlags(own ...string) *printFlags {
	pf := genericclioptions.NewPrintFlags("")
	// -o name is the plugin's own where a command has it: its objects have
	// no metadata.name for cli-runtime's name printer.
	pf.NamePrintFlags = nil
	// The objects have no managedFields: print them as they are.
	pf.JSONYamlPrintFlags.ShowManagedFields = true
	return &printFlags{flags: pf, own: append([]string{outputTable}, own...)}
}

// addFlags adds -o, --template and --allow-missing-template-keys to cmd,
// and completes -o with its formats. what, when given, says what -o prints
// (default "Output format").
func (f *printFlags) addFlags(cmd *cobra.Command, what ...string) {
	usage := "Output format"
	if len(what) > 0 {
		usage = what[0]
	}
	f.flags.TemplatePrinterFlags.AddFlags(cmd)
	formats := f.formats()
	for i, v := range formats {
		if d, ok := ownFormatHelp[v]; ok {
			formats[i] = v + " (" + d + ")"
		}
	}
	cmd.Flags().StringVarP(f.flags.OutputFormat, "output", "o", "", usage+": "+strings.Join(formats, ", "))
	f.flags.OutputFlagSpecified = func() bool { return cmd.Flags().Changed("output") }
	_ = cmd.RegisterFlagCompletionFunc("output", func(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		var out []string
		for _, v := range f.formats() {
			v, _, _ = strings.Cut(v, "=")
			if strings.HasPrefix(v, toComplete) {
				out = append(out, v)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	})
}

// formats names every -o value, for help and completion; a template format
// is named with what follows its '='.
func (f *printFlags) formats() []string {
	out := slices.Clone(f.own)
	out = append(out, f.flags.JSONYamlPrintFlags.AllowedFormats()...)
	for _, t := range f.flags.TemplatePrinterFlags.AllowedFormats() {
		switch t {
		case "jsonpath", "go-template":
			out = append(out, t+"=TEMPLATE")
		case "jsonpath-file", "go-template-file":
			out = append(out, t+"=FILE")
		}
	}
	return out
}

// format is the -o value in effect: table when none is given, go-template
// when only --template is.
func (f *printFlags) format() string {
	o := *f.flags.OutputFormat
	switch {
	case o == "" && *f.flags.TemplatePrinterFlags.TemplateArgument != "":
		return "go-template"
	case o == "":
		return outputTable
	}
	return o
}

// human reports whether the command prints this format itself (table, wide
// or name), rather than as an object.
func (f *printFlags) human() bool { return slices.Contains(f.own, f.format()) }

// tabular reports whether a table is printed (table or wide): the format
// beside which the command may say more on stderr.
func (f *printFlags) tabular() bool { return f.format() == outputTable || f.wide() }

// wide reports whether -o wide was asked for.
func (f *printFlags) wide() bool { return f.format() == outputWide }

// validate checks the -o value without reading anything.
func (f *printFlags) validate() error {
	o := f.format()
	if slices.Contains(f.own, o) || slices.Contains(f.flags.JSONYamlPrintFlags.AllowedFormats(), o) {
		return nil
	}
	name, _, _ := strings.Cut(o, "=")
	if slices.Contains(f.flags.TemplatePrinterFlags.AllowedFormats(), name) {
		return nil
	}
	return fmt.Errorf("unknown output format %q: use one of %s", o, strings.Join(f.formats(), ", "))
}

// complete builds the printer of a machine format, reading the template
// file of -o jsonpath-file= or go-template-file=. An unknown format is left
// to validate to name.
func (f *printFlags) complete() error {
	if f.human() || f.printer != nil || f.validate() != nil {
		return nil
	}
	p, err := f.flags.ToPrinter()
	if err != nil {
		return templateError(f.format(), err)
	}
	f.printer = p
	return nil
}

// print writes obj in the machine format asked for. The output is written
// only when it is whole: a template that fails half way prints nothing
// (cli-runtime's Go template printer would write its debugging dump, the
// whole object included, to stdout).
func (f *printFlags) print(w io.Writer, obj runtime.Object) error {
	if f.printer == nil {
		if err := f.complete(); err != nil {
			return err
		}
	}
	var buf bytes.Buffer
	if err := f.printer.PrintObj(obj, &buf); err != nil {
		return templateError(f.format(), err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// templateError makes one line of what cli-runtime says about a template it
// cannot read, parse or execute, and names the fix.
func templateError(format string, err error) error {
	name, _, _ := strings.Cut(format, "=")
	msg := firstLine(err.Error())
	// A JSONPath that fails to execute comes with the whole object dumped.
	msg, _, _ = strings.Cut(msg, ". Printing more information")
	var fix string
	switch {
	case strings.HasPrefix(name, "jsonpath"):
		fix = "fix the JSONPath (e.g. -o jsonpath='{.items[*].arn}'; see https://kubernetes.io/docs/reference/kubectl/jsonpath/)"
	case strings.Contains(name, "template"):
		fix = "fix the Go template (e.g. -o go-template='{{range .items}}{{.arn}}{{\"\\n\"}}{{end}}'; see https://pkg.go.dev/text/template)"
	default:
		return fmt.Errorf("-o %s: %s", name, msg)
	}
	return fmt.Errorf("-o %s: %s: %s", name, msg, fix)
}
