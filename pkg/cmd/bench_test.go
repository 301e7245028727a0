package cmd

import (
	"testing"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth/awsauthtest"
)

// BenchmarkAddEdit measures what `add` computes in-process on a 5,000-entry
// aws-auth (about 1 MiB) before it writes: the edit, the never-worse check
// and the lockout guards; the network is left out. Goal: under 30 ms.
func BenchmarkAddEdit(b *testing.B) {
	data := awsauthtest.Generate(5000)
	c, _, err := awsauth.NormalizeTarget("arn:aws:iam::111122223333:user/designated_user", false)
	if err != nil {
		b.Fatal(err)
	}
	c.Groups = []string{"system:masters"}
	caller, _ := awsauth.Canonicalize("arn:aws:iam::111122223333:user/cluster_creator")
	edit := changeEdit(c)
	b.ReportAllocs()
	for b.Loop() {
		res, err := edit(data)
		if err != nil || !res.Changed {
			b.Fatalf("edit: %v (changed %v)", err, res.Changed)
		}
		_ = awsauth.LockoutRisks(res.before, res.after, &caller)
	}
}
