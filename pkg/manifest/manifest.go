// Package manifest finds the aws-auth ConfigMap inside a manifest file, as
// kept in a GitOps repository (a single ConfigMap, a multi-document stream or
// a v1 List, in YAML or JSON), and rewrites the values of its data keys as
// text: every byte outside the changed values stays as it was.
//
// It does no I/O: it takes the file's bytes and returns new bytes. The
// caller checks the result by reading it back (Set does so itself for the
// aws-auth data, and compares the other documents).
package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	yamlv3 "go.yaml.in/yaml/v3"
)

// ConfigMapName is the ConfigMap this package looks for.
const ConfigMapName = "aws-auth"

// File is a manifest with the aws-auth ConfigMap located in it.
type File struct {
	src   []byte
	lines []int // byte offset of the start of each line (0-based index)
	cm    *yamlv3.Node
	// data is the data mapping; nil when the ConfigMap has none yet.
	data *yamlv3.Node
	// values maps each data key to its key and value nodes.
	values map[string][2]*yamlv3.Node
	order  []string
}

// Parse locates the aws-auth ConfigMap in a manifest. With one ConfigMap it
// takes that one, as `kubectl eksaccess list -f` does; with several, the one
// named aws-auth.
func Parse(src []byte) (*File, error) {
	f := &File{src: src, values: map[string][2]*yamlv3.Node{}}
	f.lines = append(f.lines, 0)
	for i, c := range src {
		if c == '\n' {
			f.lines = append(f.lines, i+1)
		}
	}
	var cms []*yamlv3.Node
	dec := yamlv3.NewDecoder(bytes.NewReader(src))
	for doc := 1; ; doc++ {
		var n yamlv3.Node
		if err := dec.Decode(&n); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, fmt.Errorf("document %d is not valid YAML: %v: fix the syntax first", doc, err)
		}
		if len(n.Content) == 0 {
			continue
		}
		cms = append(cms, configMaps(n.Content[0])...)
	}
	var cm *yamlv3.Node
	switch {
	case len(cms) == 1:
		cm = cms[0]
	case len(cms) > 1:
		for _, c := range cms {
			if md := field(c, "metadata"); md != nil && scalarField(md, "name") == ConfigMapName {
				cm = c
				break
			}
		}
	}
	if cm == nil {
		return nil, fmt.Errorf("no ConfigMap named %s found: pass the aws-auth manifest", ConfigMapName)
	}
	f.cm = cm
	f.data = field(cm, "data")
	if f.data == nil {
		return f, nil
	}
	if f.data.Kind != yamlv3.MappingNode {
		return nil, fmt.Errorf("the data of the %s ConfigMap (line %d) is not a mapping: write 'data: {}' first", ConfigMapName, f.data.Line)
	}
	for i := 0; i+1 < len(f.data.Content); i += 2 {
		k, v := f.data.Content[i], f.data.Content[i+1]
		if _, dup := f.values[k.Value]; !dup {
			f.order = append(f.order, k.Value)
		}
		f.values[k.Value] = [2]*yamlv3.Node{k, v}
	}
	return f, nil
}

// configMaps returns the v1 ConfigMaps of a document: itself, or the items
// of a List.
func configMaps(n *yamlv3.Node) []*yamlv3.Node {
	if n.Kind != yamlv3.MappingNode {
		return nil
	}
	kind, api := scalarField(n, "kind"), scalarField(n, "apiVersion")
	switch {
	case kind == "ConfigMap" && api == "v1":
		return []*yamlv3.Node{n}
	case kind == "List" || strings.HasSuffix(kind, "List") && api == "v1":
		items := field(n, "items")
		if items == nil || items.Kind != yamlv3.SequenceNode {
			return nil
		}
		var out []*yamlv3.Node
		for _, it := range items.Content {
			out = append(out, configMaps(it)...)
		}
		return out
	}
	return nil
}

func field(m *yamlv3.Node, name string) *yamlv3.Node {
	if m == nil || m.Kind != yamlv3.MappingNode {
		return nil
	}
	var v *yamlv3.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == name {
			v = m.Content[i+1] // the last duplicate wins, as in sigs.k8s.io/yaml
		}
	}
	return v
}

func scalarField(m *yamlv3.Node, name string) string {
	if v := field(m, name); v != nil && v.Kind == yamlv3.ScalarNode {
		return v.Value
	}
	return ""
}

// Line returns the line in the file of line n (1-based) of a data key's
// value, or the line of the key itself when the value is not a block scalar
// (a JSON or quoted string, where the value's lines are not the file's).
// It returns 0 when the key is not in the file.
func (f *File) Line(key string, n int) int {
	kv, ok := f.values[key]
	if !ok {
		return 0
	}
	v := kv[1]
	if n <= 0 || v.Kind != yamlv3.ScalarNode || v.Style&(yamlv3.LiteralStyle|yamlv3.FoldedStyle) == 0 {
		return kv[0].Line
	}
	return v.Line + n
}

// offset converts a yaml.v3 position (1-based line, 1-based column in
// characters) into a byte offset.
func (f *File) offset(line, col int) int {
	off := f.lines[line-1]
	for c := 1; c < col && off < len(f.src); c++ {
		_, w := utf8.DecodeRune(f.src[off:])
		off += w
	}
	return off
}

// lineEnd returns the offset just past the end of line i (0-based),
// including its line break.
func (f *File) lineEnd(i int) int {
	if i+1 < len(f.lines) {
		return f.lines[i+1]
	}
	return len(f.src)
}
