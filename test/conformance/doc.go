// Package conformance checks pkg/awsauth against the real EKS authenticator
// (sigs.k8s.io/aws-iam-authenticator v0.7.13). It is a separate module so
// that the authenticator, client-go and the AWS SDK never reach the
// kubectl-eksaccess binary. Everything is in the tests:
//
//	go test ./...                                  # fixtures and the seed corpus
//	go test -run '^$' -fuzz FuzzParse -fuzztime 3m # search for disagreements
package conformance
