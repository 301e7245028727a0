package accessentry

import "github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"

// Authentication modes of an EKS cluster (accessConfig.authenticationMode).
// A cluster moves one way only: CONFIG_MAP, API_AND_CONFIG_MAP, API.
const (
	ModeConfigMap       = "CONFIG_MAP"
	ModeAPIAndConfigMap = "API_AND_CONFIG_MAP"
	ModeAPI             = "API"
)

// Modes are the authentication modes in the one order a cluster can move.
var Modes = []string{ModeConfigMap, ModeAPIAndConfigMap, ModeAPI}

// ModeHonoursEntries reports whether a cluster in mode reads access entries.
func ModeHonoursEntries(mode string) bool { return mode == ModeAPIAndConfigMap || mode == ModeAPI }

// ModeHonoursAWSAuth reports whether a cluster in mode reads aws-auth (an
// unknown or empty mode is taken as CONFIG_MAP, the default).
func ModeHonoursAWSAuth(mode string) bool { return mode != ModeAPI }

// Entry types (accessEntry.type).
const (
	TypeStandard      = "STANDARD"
	TypeEC2Linux      = "EC2_LINUX"
	TypeEC2Windows    = "EC2_WINDOWS"
	TypeFargateLinux  = "FARGATE_LINUX"
	TypeEC2           = "EC2" // EKS Auto Mode nodes
	TypeHybridLinux   = "HYBRID_LINUX"
	TypeHyperPodLinux = "HYPERPOD_LINUX"
)

// Types are the access entry types EKS knows, STANDARD first.
var Types = []string{TypeStandard, TypeEC2Linux, TypeEC2Windows, TypeFargateLinux, TypeEC2, TypeHybridLinux, TypeHyperPodLinux}

// Access scopes.
const (
	ScopeCluster   = "cluster"
	ScopeNamespace = "namespace"
)

// Node usernames EKS gives the entries of node types. The EC2 one is the
// same as aws-auth's node-role mapping (awsauth.NodeUsername).
const (
	NodeUsername        = awsauth.NodeUsername
	SessionNodeUsername = "system:node:{{SessionName}}"
)

// DefaultUsername is the username EKS sets for an entry of type t, or ""
// where EKS derives it otherwise (STANDARD: from the principal's ARN;
// HYPERPOD_LINUX: not documented).
// Source: the EKS user guide, "Create access entries" (types).
func DefaultUsername(t string) string {
	switch t {
	case TypeEC2Linux, TypeEC2Windows, TypeEC2:
		return NodeUsername
	case TypeFargateLinux, TypeHybridLinux:
		return SessionNodeUsername
	}
	return ""
}

// ReservedUsernamePrefixes are refused by EKS at the start of an access
// entry's username. They are awsauth's list (lint warns about them in
// aws-auth), defined once there because awsauth is the bottom of the
// import graph.
var ReservedUsernamePrefixes = awsauth.ReservedPrefixes

// ReservedGroupPrefix starts the Kubernetes groups EKS refuses in an
// access entry.
const ReservedGroupPrefix = "system:"

// MastersGroup is the group access entries cannot give; its replacement is
// AmazonEKSClusterAdminPolicy at cluster scope.
const MastersGroup = "system:masters"
