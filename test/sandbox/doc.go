// Package sandbox is a local stand-in for an EKS cluster and the AWS APIs
// around it (STS, EKS, IAM), for end-to-end tests and `make demo`.
package sandbox
