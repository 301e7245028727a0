// Command sizereport attributes the bytes of an unstripped Go binary to the
// packages and modules they come from: every symbol of the ELF symbol table
// that takes room in the file (text, read-only data, data; not bss) is
// charged to the longest package path of the binary that prefixes its name
// (k8s.io/api/core/v1.(*Pod).Marshal → k8s.io/api/core/v1;
// type:*k8s.io/api/core/v1.Pod → k8s.io/api/core/v1), and each package to
// its module. hack/size-report.sh runs it.
//
//	go run ./hack/sizereport -bin UNSTRIPPED -pkg ./cmd/kubectl-eksaccess [-top 20]
package main

import (
	"bufio"
	"bytes"
	"debug/elf"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
)

func main() {
	bin := flag.String("bin", "", "an unstripped (no -s -w) build of the main package")
	pkg := flag.String("pkg", "./cmd/kubectl-eksaccess", "the main package the binary was built from")
	top := flag.Int("top", 20, "how many packages and modules to print")
	flag.Parse()
	if err := run(*bin, *pkg, *top); err != nil {
		fmt.Fprintf(os.Stderr, "sizereport: %v\n", err)
		os.Exit(1)
	}
}

func run(bin, mainPkg string, top int) error {
	modOf, err := packages(mainPkg)
	if err != nil {
		return err
	}
	f, err := elf.Open(bin)
	if err != nil {
		return err
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		return fmt.Errorf("%s has no symbol table (built with -s?): %w", bin, err)
	}
	byPkg := map[string]uint64{}
	var total, attributed uint64
	for _, s := range syms {
		if strings.HasPrefix(s.Name, "local.") { // cgo builds list each symbol twice
			continue
		}
		if s.Size == 0 || int(s.Section) <= 0 || int(s.Section) >= len(f.Sections) {
			continue
		}
		if f.Sections[s.Section].Type == elf.SHT_NOBITS { // bss: no room in the file
			continue
		}
		total += s.Size
		p := owner(s.Name, modOf)
		if p != "" {
			attributed += s.Size
		} else {
			p = "(runtime tables and unattributed: " + class(s.Name) + ")"
		}
		byPkg[p] += s.Size
	}
	byMod := map[string]uint64{}
	for p, n := range byPkg {
		m, ok := modOf[p]
		if !ok {
			m = p
		}
		byMod[m] += n
	}
	st, err := os.Stat(bin)
	if err != nil {
		return err
	}
	fmt.Printf("sections (MiB):")
	for _, name := range []string{".text", ".rodata", ".gopclntab", ".noptrdata", ".data"} {
		if s := f.Section(name); s != nil {
			fmt.Printf(" %s %.2f", name, mib(s.Size))
		}
	}
	fmt.Printf("\nsymbols with room in the file: %.2f MiB of %.2f MiB unstripped (the rest is DWARF, symbol names and .gopclntab); %.2f MiB attributed to a package\n",
		mib(total), mib(uint64(st.Size())), mib(attributed))
	print("module", byMod, top)
	print("package", byPkg, top)
	return nil
}

func mib(n uint64) float64 { return float64(n) / (1 << 20) }

func print(what string, m map[string]uint64, top int) {
	type kv struct {
		k string
		v uint64
	}
	var all []kv
	for k, v := range m {
		all = append(all, kv{k, v})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].v > all[j].v || all[i].v == all[j].v && all[i].k < all[j].k })
	fmt.Printf("\ntop %d of %d by %s (KiB):\n", min(top, len(all)), len(all), what)
	for i, e := range all {
		if i == top {
			break
		}
		fmt.Printf("%9.1f  %s\n", float64(e.v)/1024, e.k)
	}
}

// packages returns every package linked into mainPkg, mapped to its module
// ("std" for the standard library).
func packages(mainPkg string) (map[string]string, error) {
	cmd := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}} {{with .Module}}{{.Path}}{{else}}std{{end}}", mainPkg)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list -deps %s: %w", mainPkg, err)
	}
	m := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 2 {
			m[strings.TrimPrefix(f[0], "vendor/")] = f[1]
		}
	}
	return m, sc.Err()
}

// owner is the longest package path p of the binary such that the symbol,
// stripped of the linker's prefixes (type:, go:itab., pointer and slice
// marks), starts with p + ".".
func owner(name string, pkgs map[string]string) string {
	for _, pre := range []string{"go:itab.", "type:", "go:info.", "go:cuinfo.", "local."} {
		name = strings.TrimPrefix(name, pre)
	}
	for {
		n := strings.TrimLeft(name, "*")
		n = strings.TrimPrefix(n, "[]")
		n = strings.TrimPrefix(n, "map[string]")
		n = strings.TrimPrefix(n, "chan ")
		if len(n) > 0 && n[0] == '[' { // [N]T
			if i := strings.IndexByte(n, ']'); i > 0 {
				n = n[i+1:]
			}
		}
		if n == name {
			break
		}
		name = n
	}
	best := ""
	// Package paths end before a '.' that follows the last '/' of the path;
	// try every '.' and keep the longest known package.
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c == '(' || c == '[' || c == ' ' || c == ',' {
			break
		}
		if c == '.' {
			if _, ok := pkgs[name[:i]]; ok {
				best = name[:i]
			}
		}
	}
	return best
}

// class names the kind of an unattributed symbol (go:func.*, runtime tables,
// type:.eq...).
func class(name string) string {
	switch {
	case strings.HasPrefix(name, "go:func."), strings.HasPrefix(name, "runtime.") && strings.Contains(name, "tab"):
		return "func tables"
	case strings.HasPrefix(name, "go:string."):
		return "strings"
	case strings.HasPrefix(name, "type:"):
		return "type data"
	default:
		return "other"
	}
}
