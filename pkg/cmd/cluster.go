package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/eksaccess/kubectl-eksaccess/pkg/accessentry"
	"github.com/eksaccess/kubectl-eksaccess/pkg/awsapi"
	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
	"github.com/eksaccess/kubectl-eksaccess/pkg/kube"
	"github.com/eksaccess/kubectl-eksaccess/third_party/forked/genericclioptions"
)

// Authentication modes of an EKS cluster (short names for accessentry's).
const (
	modeConfigMap       = accessentry.ModeConfigMap
	modeAPIAndConfigMap = accessentry.ModeAPIAndConfigMap
	modeAPI             = accessentry.ModeAPI
)

// clusterTarget finds the EKS cluster behind the current context and the
// AWS identity to reach it with: the kubeconfig user's exec plugin args and
// env (--cluster-name/-i, --region, --profile, --role-arn, AWS_PROFILE,
// AWS_REGION), overridden by --cluster-name, --region and --profile.
type clusterTarget struct {
	ClusterName string
	Region      string
	Profile     string

	configFlags *genericclioptions.ConfigFlags
	// NewClients builds the EKS and IAM clients; tests may replace it.
	NewClients func(ctx context.Context, o awsapi.ConfigOptions) (awsapi.AccessEntryAPI, awsapi.IAMAPI, error)
}

func (t *clusterTarget) addFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&t.ClusterName, "cluster-name", "", "EKS cluster name (default: from the kubeconfig user's exec plugin, e.g. 'aws eks get-token --cluster-name')")
	cmd.Flags().StringVar(&t.Region, "region", "", "AWS region of the EKS cluster (default: from the exec plugin, AWS_REGION or the profile)")
	cmd.Flags().StringVar(&t.Profile, "profile", "", "AWS profile to call EKS and IAM with (default: the exec plugin's --profile or AWS_PROFILE)")
}

// clusterLocation is where the cluster is and which identity to use.
type clusterLocation struct {
	Name, Region, Profile, RoleARN string
}

// eksCluster is a described EKS cluster and the clients to reach it.
type eksCluster struct {
	awsapi.Cluster
	Profile string
	API     awsapi.AccessEntryAPI
	IAM     awsapi.IAMAPI
}

// AccessEntries reports whether the cluster honours access entries.
func (c *eksCluster) AccessEntries() bool { return c.AuthenticationMode != modeConfigMap }

// AWSAuth reports whether the cluster honours aws-auth.
func (c *eksCluster) AWSAuth() bool { return c.AuthenticationMode != modeAPI }

var eksEndpointRegion = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`\.([a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d+)\.eks\.amazonaws\.com`)
})

// locate works out the cluster name, region and identity. useKubeconfig
// says whether the kubeconfig may be read (not with -f, unless flags name
// the cluster). It returns why not when no cluster name is found.
func (t *clusterTarget) locate(useKubeconfig bool) (clusterLocation, string) {
	loc := clusterLocation{Name: t.ClusterName, Region: t.Region, Profile: t.Profile}
	if useKubeconfig && t.configFlags != nil {
		if why := t.fromKubeconfig(&loc); why != "" && loc.Name == "" {
			return loc, why
		}
	}
	if loc.Name == "" {
		return loc, "no EKS cluster named: pass --cluster-name"
	}
	if loc.Profile == "" {
		loc.Profile = os.Getenv("AWS_PROFILE")
	}
	return loc, ""
}

// fromKubeconfig fills what the flags left empty from the context's exec
// plugin, and says why it could not when it finds no cluster name.
func (t *clusterTarget) fromKubeconfig(loc *clusterLocation) string {
	raw, ctxName, err := currentContext(t.configFlags)
	if err != nil {
		return "cannot read the kubeconfig: " + firstLine(err.Error())
	}
	kctx, ok := raw.Contexts[ctxName]
	if !ok {
		return fmt.Sprintf("no context %q in the kubeconfig", ctxName)
	}
	userName := kctx.AuthInfo
	if t.configFlags.AuthInfoName != nil && *t.configFlags.AuthInfoName != "" {
		userName = *t.configFlags.AuthInfoName
	}
	clusterName := kctx.Cluster
	if t.configFlags.ClusterName != nil && *t.configFlags.ClusterName != "" {
		clusterName = *t.configFlags.ClusterName
	}
	if loc.Region == "" {
		if c, ok := raw.Clusters[clusterName]; ok {
			if m := eksEndpointRegion().FindStringSubmatch(c.Server); m != nil {
				loc.Region = m[1]
			}
		}
	}
	user, ok := raw.AuthInfos[userName]
	if !ok || user.Exec == nil {
		return fmt.Sprintf("the user of context %s has no exec plugin naming an EKS cluster (not an EKS kubeconfig?): pass --cluster-name and --region to read them", ctxName)
	}
	ex := user.Exec
	if loc.Name == "" {
		loc.Name = kube.ExecArg(ex.Args, "--cluster-name", "-i", "--cluster-id")
	}
	if loc.Region == "" {
		loc.Region = kube.ExecArg(ex.Args, "--region")
	}
	if loc.Region == "" {
		loc.Region = kube.ExecEnv(ex, "AWS_REGION")
	}
	if loc.Region == "" {
		loc.Region = kube.ExecEnv(ex, "AWS_DEFAULT_REGION")
	}
	if loc.Profile == "" {
		loc.Profile = kube.ExecArg(ex.Args, "--profile")
	}
	if loc.Profile == "" {
		loc.Profile = kube.ExecEnv(ex, "AWS_PROFILE")
	}
	loc.RoleARN = kube.ExecArg(ex.Args, kube.ExecRoleArgs...)
	if loc.Name == "" {
		return fmt.Sprintf("the exec plugin of context %s (%s) names no cluster (--cluster-name or -i): pass --cluster-name", ctxName, ex.Command)
	}
	return ""
}

// describe locates the cluster and calls DescribeCluster with the exec
// plugin's identity. It returns nil and the reason when no cluster is
// named, and an error when AWS could not answer.
func (t *clusterTarget) describe(ctx context.Context, useKubeconfig bool) (*eksCluster, string, error) {
	cl, _, why, err := t.describeListing(ctx, useKubeconfig, false)
	return cl, why, err
}

// clusterEntries are a cluster's access entries, or why they were not read.
type clusterEntries struct {
	entries []accessentry.Entry
	err     error
}

// describeListing is describe that, when withEntries is set, also lists the
// cluster's access entries beside DescribeCluster rather than after it: one
// round trip instead of two. The list is nil unless the cluster's mode
// lets access entries apply (the speculative answer is dropped in
// CONFIG_MAP mode, and when DescribeCluster failed).
func (t *clusterTarget) describeListing(ctx context.Context, useKubeconfig, withEntries bool) (*eksCluster, *clusterEntries, string, error) {
	loc, why := t.locate(useKubeconfig)
	if why != "" {
		return nil, nil, why, nil
	}
	newClients := t.NewClients
	if newClients == nil {
		newClients = defaultClients
	}
	opts := awsapi.ConfigOptions{Profile: loc.Profile, Region: loc.Region, RoleARN: loc.RoleARN}
	api, iamc, err := newClients(ctx, opts)
	if err != nil {
		return nil, nil, "", awsError(err, loc.Profile)
	}
	var listed chan clusterEntries
	if withEntries {
		listed = make(chan clusterEntries, 1)
		go func() {
			entries, err := awsapi.ListEntries(ctx, api, loc.Name)
			listed <- clusterEntries{entries, err}
		}()
	}
	cl, err := awsapi.DescribeCluster(ctx, api, loc.Name)
	if err != nil {
		return nil, nil, "", t.eksError(err, loc, "describing")
	}
	cl.Region = loc.Region
	c := &eksCluster{Cluster: cl, Profile: loc.Profile, API: api, IAM: iamc}
	if !withEntries || !c.AccessEntries() {
		return c, nil, "", nil
	}
	e := <-listed
	return c, &e, "", nil
}

func (t *clusterTarget) eksError(err error, loc clusterLocation, verb string) error {
	if awsapi.IsNotFound(err) {
		where := loc.Region
		if where == "" {
			where = "the default region"
		}
		return fmt.Errorf("EKS cluster %s not found in %s: check --cluster-name and --region", loc.Name, where)
	}
	return fmt.Errorf("%s EKS cluster %s: %w", verb, loc.Name, awsError(err, loc.Profile))
}

func defaultClients(ctx context.Context, o awsapi.ConfigOptions) (awsapi.AccessEntryAPI, awsapi.IAMAPI, error) {
	cfg, err := awsapi.LoadConfig(ctx, o)
	if err != nil {
		return nil, nil, err
	}
	return eks.NewFromConfig(cfg), iam.NewFromConfig(cfg), nil
}

// modeSentence says what the mode means for aws-auth and access entries.
func modeSentence(c *eksCluster) string {
	switch c.AuthenticationMode {
	case modeAPI:
		return "only access entries apply; aws-auth is ignored"
	case modeAPIAndConfigMap:
		return "access entries apply and win over aws-auth for the same principal"
	}
	return "only aws-auth applies; access entries do not"
}

// loadOptional reads aws-auth like load, but reports a missing live
// ConfigMap as found=false instead of an error.
func (s *awsAuthSource) loadOptional(ctx context.Context) (map[string]string, string, bool, error) {
	if s.Filename != "" {
		data, where, err := s.load(ctx)
		return data, where, err == nil, err
	}
	where := s.contextName()
	cm, err := kube.GetAWSAuth(ctx, s.ConfigMaps)
	if apierrors.IsNotFound(err) {
		return nil, where, false, nil
	}
	if err != nil {
		return nil, "", false, apiError(err, where, "get")
	}
	return cm.Data, where, true, nil
}

// resolvePrincipal turns a user, role or assumed-role ARN into the IAM ARN
// with its path, which access entries need, asking the IAM of account (the
// cluster's, whose credentials the plugin holds; "" when unknown). A
// principal of another account cannot be looked up there (IAM would answer
// about a same-named principal of this account), so its ARN is used as
// given, with a warning; so is one IAM refuses to describe.
func resolvePrincipal(ctx context.Context, c IAMLookup, account, arn string, warn func(string)) (string, error) {
	p, err := awsauth.Canonicalize(arn)
	if err != nil {
		return "", err
	}
	kind := ""
	switch p.Type {
	case awsauth.PrincipalRole, awsauth.PrincipalAssumedRole:
		kind = "role"
	case awsauth.PrincipalUser:
		kind = "user"
	default:
		return "", fmt.Errorf("%s is a %s ARN: access entries take an IAM user or role", arn, p.Type)
	}
	if p.Name == "" {
		return "", fmt.Errorf("%s names no %s", arn, kind)
	}
	given := p.Canonical
	if p.Type != awsauth.PrincipalAssumedRole {
		given = arn
	}
	if account != "" && p.AccountID != account {
		warn(fmt.Sprintf("%s is in account %s, not the cluster's account %s, whose IAM the plugin reads: using %s as given; an access entry needs the exact ARN, path included", arn, p.AccountID, account, given))
		return given, nil
	}
	full, err := c.principalARN(ctx, kind, p.Name)
	if errors.Is(err, awsapi.ErrNoSuchPrincipal) {
		return "", fmt.Errorf("IAM has no %s named %s (from %s): check the ARN", kind, p.Name, arn)
	}
	if err != nil {
		warn(fmt.Sprintf("could not ask IAM for the path of %s %s (%v): using %s as given; an access entry needs the exact ARN, path included", kind, p.Name, firstLine(awsError(err, "").Error()), given))
		return given, nil
	}
	return full, nil
}

// IAMLookup finds principal ARNs; iamLookup wraps awsapi.IAMAPI with a per-run
// memo (never across runs).
type IAMLookup interface {
	principalARN(ctx context.Context, kind, name string) (string, error)
}

type iamLookup struct {
	api  awsapi.IAMAPI
	seen map[string]string
}

func newIAMLookup(api awsapi.IAMAPI) *iamLookup {
	return &iamLookup{api: api, seen: map[string]string{}}
}

func (l *iamLookup) principalARN(ctx context.Context, kind, name string) (string, error) {
	k := kind + "/" + strings.ToLower(name)
	if v, ok := l.seen[k]; ok {
		return v, nil
	}
	v, err := awsapi.PrincipalARN(ctx, l.api, kind, name)
	if err != nil {
		return "", err
	}
	l.seen[k] = v
	return v, nil
}

// entriesByPrincipal indexes access entries by principal key.
func entriesByPrincipal(entries []accessentry.Entry) map[string]*accessentry.Entry {
	m := map[string]*accessentry.Entry{}
	for i := range entries {
		m[accessentry.PrincipalKey(entries[i].PrincipalARN)] = &entries[i]
	}
	return m
}
