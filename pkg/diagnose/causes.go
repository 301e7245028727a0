package diagnose

import (
	"strings"
)

// cause is a candidate root cause for one verdict; the lowest rank wins.
type cause struct {
	rank int
	text string
	code string
}

func (d *diag) because(verdict string, rank int, code, text string) {
	d.causes[verdict] = append(d.causes[verdict], cause{rank: rank, text: oneLine(text), code: code})
}

// pick returns the best cause for a verdict, or def.
func (d *diag) pick(verdict, def string) string {
	cs := d.causes[verdict]
	if len(cs) == 0 {
		return def
	}
	best := cs[0]
	for _, c := range cs[1:] {
		if c.rank < best.rank {
			best = c
		}
	}
	d.causeCode = best.code
	return best.text
}

// pickQuiet is the best cause text other than the exec identity.
func (d *diag) pickQuiet(verdict string) string {
	var best *cause
	for i, c := range d.causes[verdict] {
		if c.code == CodeExecIdentity {
			continue
		}
		if best == nil || c.rank < best.rank {
			best = &d.causes[verdict][i]
		}
	}
	if best == nil {
		return "it gets no further"
	}
	return best.text
}

func (d *diag) lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
