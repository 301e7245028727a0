package gather

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsapi"
	"github.com/eksaccess/kubectl-eksaccess/pkg/kube"
)

// STS is the STS call made through the SDK: who the shell's default
// credentials are. (The token itself is replayed over AWS.HTTP, as the
// authenticator does.)
type STS interface {
	GetCallerIdentity(ctx context.Context, in *sts.GetCallerIdentityInput, optFns ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

// EKS is what is read of EKS: the cluster, found by name or by endpoint,
// and the access entries with their policies.
type EKS interface {
	DescribeCluster(ctx context.Context, in *eks.DescribeClusterInput, optFns ...func(*eks.Options)) (*eks.DescribeClusterOutput, error)
	ListClusters(ctx context.Context, in *eks.ListClustersInput, optFns ...func(*eks.Options)) (*eks.ListClustersOutput, error)
	ListAccessEntries(ctx context.Context, in *eks.ListAccessEntriesInput, optFns ...func(*eks.Options)) (*eks.ListAccessEntriesOutput, error)
	DescribeAccessEntry(ctx context.Context, in *eks.DescribeAccessEntryInput, optFns ...func(*eks.Options)) (*eks.DescribeAccessEntryOutput, error)
	ListAssociatedAccessPolicies(ctx context.Context, in *eks.ListAssociatedAccessPoliciesInput, optFns ...func(*eks.Options)) (*eks.ListAssociatedAccessPoliciesOutput, error)
}

// IAM is what is read of IAM: when a principal was created.
type IAM interface {
	GetRole(ctx context.Context, in *iam.GetRoleInput, optFns ...func(*iam.Options)) (*iam.GetRoleOutput, error)
	GetUser(ctx context.Context, in *iam.GetUserInput, optFns ...func(*iam.Options)) (*iam.GetUserOutput, error)
}

// AWS are the AWS clients of one profile and region.
type AWS struct {
	Region string
	STS    STS
	EKS    EKS
	IAM    IAM
	// HTTP replays a token (a presigned STS URL) as the authenticator
	// does; nil for the SDK's default client.
	HTTP aws.HTTPClient
}

// NewAWS builds the AWS clients of a profile and region. It reads files
// only; the calls go to the network.
type NewAWS func(ctx context.Context, o awsapi.ConfigOptions) (*AWS, error)

// LoadAWS is NewAWS from the AWS configuration (files, environment).
func LoadAWS(ctx context.Context, o awsapi.ConfigOptions) (*AWS, error) {
	cfg, err := awsapi.LoadConfig(ctx, o)
	if err != nil {
		return nil, err
	}
	cfg.HTTPClient = logRequests(cfg.HTTPClient)
	return &AWS{Region: cfg.Region, STS: sts.NewFromConfig(cfg), EKS: eks.NewFromConfig(cfg), IAM: iam.NewFromConfig(cfg), HTTP: cfg.HTTPClient}, nil
}

// Kubernetes is what is asked of a cluster, as one identity: aws-auth,
// who it is, what it may do, and the RBAC bindings.
type Kubernetes interface {
	kube.ConfigMapsGetter
	kube.SelfSubjectReviewsGetter
	kube.SelfSubjectAccessReviewsGetter
	kube.SubjectAccessReviewsGetter
	// RbacV1 is for kube.ListBindings, which lists ClusterRoleBindings
	// and RoleBindings.
	RbacV1() kube.RbacV1Interface
}

// KubeClients is Kubernetes over the plugin's clients.
func KubeClients(c *kube.Clients) Kubernetes { return kubeClients{c} }

type kubeClients struct{ c *kube.Clients }

func (k kubeClients) ConfigMaps(ns string) kube.ConfigMapInterface {
	return k.c.CoreV1().ConfigMaps(ns)
}

func (k kubeClients) SelfSubjectReviews() kube.SelfSubjectReviewInterface {
	return k.c.AuthenticationV1().SelfSubjectReviews()
}

func (k kubeClients) SelfSubjectAccessReviews() kube.SelfSubjectAccessReviewInterface {
	return k.c.AuthorizationV1().SelfSubjectAccessReviews()
}

func (k kubeClients) SubjectAccessReviews() kube.SubjectAccessReviewInterface {
	return k.c.AuthorizationV1().SubjectAccessReviews()
}

func (k kubeClients) RbacV1() kube.RbacV1Interface { return k.c.RbacV1() }

// Context is a kubeconfig context to read through.
type Context struct {
	Name   string
	Server string
	// Exec is the user's exec plugin; nil when the user has none.
	Exec   *clientcmdapi.ExecConfig
	Client Kubernetes
	// WithToken is the context's client sending token as its bearer token,
	// instead of running the exec plugin again.
	WithToken func(token string) (Kubernetes, error)
}

// withToken is the context with the token instead of the exec plugin, or
// the context itself when that cannot be built (the client then runs the
// plugin and says why it fails).
func (c *Context) withToken(token string) *Context {
	if token == "" || c.WithToken == nil {
		return c
	}
	k, err := c.WithToken(token)
	if err != nil {
		return c
	}
	out := *c
	out.Client = k
	return &out
}
