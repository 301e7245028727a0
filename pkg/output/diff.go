package output

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/pmezard/go-difflib/difflib"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
)

const (
	red   = "\x1b[31m"
	green = "\x1b[32m"
	cyan  = "\x1b[36m"
	bold  = "\x1b[1m"
	reset = "\x1b[0m"
)

// Diff writes a unified diff, like `kubectl diff`, of every data key that
// differs between before and after, and reports whether any does. header
// names the object and where it lives. With color, ANSI colors are used.
func Diff(w io.Writer, header string, before, after map[string]string, color bool) (bool, error) {
	keys := changedKeys(before, after)
	if len(keys) == 0 {
		return false, nil
	}
	paint := func(c, s string) string {
		if !color {
			return s
		}
		return c + s + reset
	}
	fmt.Fprintln(w, paint(bold, header))
	for _, k := range keys {
		old, had := before[k]
		neu, has := after[k]
		from, to := "live data."+k, "after data."+k
		if !had {
			from = "/dev/null"
		}
		if !has {
			to = "/dev/null"
		}
		text, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
			A: splitLines(old), B: splitLines(neu), FromFile: from, ToFile: to, Context: 3,
		})
		if err != nil {
			return false, err
		}
		for _, line := range strings.SplitAfter(text, "\n") {
			if line == "" {
				continue
			}
			switch {
			case strings.HasPrefix(line, "+++"), strings.HasPrefix(line, "---"):
				line = paint(bold, strings.TrimSuffix(line, "\n")) + "\n"
			case strings.HasPrefix(line, "+"):
				line = paint(green, strings.TrimSuffix(line, "\n")) + "\n"
			case strings.HasPrefix(line, "-"):
				line = paint(red, strings.TrimSuffix(line, "\n")) + "\n"
			case strings.HasPrefix(line, "@@"):
				line = paint(cyan, strings.TrimSuffix(line, "\n")) + "\n"
			}
			if _, err := io.WriteString(w, line); err != nil {
				return false, err
			}
		}
	}
	return true, nil
}

// splitLines splits text into lines that keep their "\n", and marks a last
// line without one, as diff does.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	} else {
		lines[len(lines)-1] += "\n\\ No newline at end of value\n"
	}
	return lines
}

// changedKeys lists the keys whose values differ, mapping keys first.
func changedKeys(before, after map[string]string) []string {
	var keys []string
	seen := map[string]bool{}
	for _, m := range []map[string]string{before, after} {
		for k := range m {
			if !seen[k] && (before[k] != after[k] || hasKey(before, k) != hasKey(after, k)) {
				keys = append(keys, k)
			}
			seen[k] = true
		}
	}
	slices.SortFunc(keys, func(a, b string) int {
		ia, ib := slices.Index(awsauth.DataKeys, a), slices.Index(awsauth.DataKeys, b)
		if ia < 0 {
			ia = len(awsauth.DataKeys)
		}
		if ib < 0 {
			ib = len(awsauth.DataKeys)
		}
		if ia != ib {
			return ia - ib
		}
		return strings.Compare(a, b)
	})
	return keys
}

func hasKey(m map[string]string, k string) bool {
	_, ok := m[k]
	return ok
}
