package output

import (
	"fmt"
	"io"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/printers"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
)

// Print writes obj as JSON or YAML with cli-runtime's printers.
func Print(w io.Writer, format string, obj runtime.Object) error {
	var p printers.ResourcePrinter
	switch format {
	case "json":
		p = &printers.JSONPrinter{}
	case "yaml":
		p = &printers.YAMLPrinter{}
	default:
		return fmt.Errorf("unknown output format %q: use json or yaml", format)
	}
	return p.PrintObj(obj, w)
}

// MappingTable writes the `list` table. wide adds the SOURCE column.
func MappingTable(w io.Writer, items []Mapping, wide, noHeaders bool) error {
	tw := newTable(w)
	if !noHeaders {
		h := "TYPE\tARN\tUSERNAME\tGROUPS\tSTATUS"
		if wide {
			h += "\tSOURCE"
		}
		fmt.Fprintln(tw, h)
	}
	for _, m := range items {
		row := strings.Join([]string{m.Type, orNone(m.ARN), orNone(m.Username), orNone(strings.Join(m.Groups, ",")), m.Status}, "\t")
		if wide {
			row += "\t" + m.Source
		}
		fmt.Fprintln(tw, row)
	}
	return tw.Flush()
}

func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}

// Findings writes lint findings the way compilers and linters do, one
// "KEY:LINE: SEVERITY CODE: message" line each followed by its fix, and a
// closing count.
func Findings(w io.Writer, source string, fs []Located) {
	errs, warns := 0, 0
	for _, f := range fs {
		loc := "aws-auth"
		if f.Key != "" {
			loc = f.Key
			if f.Line > 0 {
				loc = fmt.Sprintf("%s:%d", f.Key, f.Line)
			}
		}
		if f.FileLine > 0 {
			loc = fmt.Sprintf("%s:%d (%s)", f.File, f.FileLine, loc)
		}
		fmt.Fprintf(w, "%s: %s %s: %s\n", loc, f.Severity, f.Code, f.Message)
		if f.Fix != "" {
			fmt.Fprintf(w, "    fix: %s\n", f.Fix)
		}
		switch f.Severity {
		case awsauth.SeverityError:
			errs++
		case awsauth.SeverityWarning:
			warns++
		}
	}
	if len(fs) == 0 {
		fmt.Fprintf(w, "%s: no findings\n", source)
		return
	}
	fmt.Fprintf(w, "%s: %s, %s, %d in all\n", source, plural(errs, "error"), plural(warns, "warning"), len(fs))
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// Names writes one TYPE/ARN line per mapping, like kubectl's -o name, for
// scripts: `kubectl eksaccess list -o name | grep ^user/`. Entries with no
// ARN (dropped ones) have no name and are left out.
func Names(w io.Writer, items []Mapping) error {
	for _, m := range items {
		if m.ARN == "" {
			continue
		}
		if _, err := fmt.Fprintf(w, "%s/%s\n", m.Type, m.ARN); err != nil {
			return err
		}
	}
	return nil
}
