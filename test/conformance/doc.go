// Package conformance checks pkg/awsauth against the real EKS authenticator
// (sigs.k8s.io/aws-iam-authenticator v0.7.13). It is in the test module
// (test/go.mod) so that the authenticator never reaches the
// kubectl-eksaccess binary. Everything is in the tests; from test/:
//
//	go test ./conformance                                  # fixtures and the seed corpus
//	go test -run '^$' -fuzz FuzzParse -fuzztime 3m ./conformance # search for disagreements
package conformance
