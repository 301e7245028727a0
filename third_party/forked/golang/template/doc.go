// Package template is Go's text/template (go1.26.8, BSD license: ../LICENSE)
// without method calls on data: {{.Name}} finds a struct field or a map key,
// never a method. Go's reflect.Value.MethodByName, which text/template calls
// for every field it evaluates, turns off the linker's dead code elimination
// of methods for the whole binary; kubectl-eksaccess runs -o go-template on
// objects decoded from JSON, which have no methods, so the output is the
// same. Parsing is text/template/parse, unchanged. The rest of the files are
// copied as they are, with internal/fmtsort beside them.
package template
