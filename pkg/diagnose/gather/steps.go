package gather

import (
	"cmp"
	"context"
	"errors"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsapi"
	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
	"github.com/eksaccess/kubectl-eksaccess/pkg/diagnose"
	"github.com/eksaccess/kubectl-eksaccess/pkg/kube"
)

// execToken is what running the exec plugin gave.
type execToken struct {
	token   string
	facts   *diagnose.Token
	execErr string
}

// arnList is the principal ARNs of the cluster's access entries.
type arnList struct {
	arns []string
	err  error
}

// bindingLists are every ClusterRoleBinding and RoleBinding, read at once
// before it is known whether they are needed (the RBAC step needs them
// only when the request is denied), so that they cost no round trip after
// the access review.
type bindingLists struct {
	kube.Bindings
	err error
}

func (g *run) awsError(err error) string {
	if g.o.AWSError != nil {
		err = g.o.AWSError(err)
	}
	return err.Error()
}

func (g *run) apiError(err error, where, verb string) string {
	if g.o.APIError != nil {
		err = g.o.APIError(err, where, verb)
	}
	return err.Error()
}

func (g *run) now() time.Time {
	if g.o.Now != nil {
		return g.o.Now()
	}
	return time.Now()
}

// httpClient replays tokens to STS.
func (g *run) httpClient() aws.HTTPClient {
	if g.awsErr == nil && g.aws != nil && g.aws.HTTP != nil {
		return g.aws.HTTP
	}
	return awshttp.NewBuildableClient()
}

// firstLine is the first line of an error.
func firstLine(err error) string {
	line, _, _ := strings.Cut(err.Error(), "\n")
	return line
}

func (g *run) runExec(ctx context.Context, cfg *clientcmdapi.ExecConfig, server string) execToken {
	out := execToken{facts: &diagnose.Token{}}
	if cfg == nil {
		out.facts.Skipped = "the kubeconfig user has no exec plugin (not an EKS token user)"
		g.p.warn("exec plugin: none for context %s: not an EKS identity", g.base.Context)
		return out
	}
	if cfg.APIVersion == diagnose.ExecAPIVersionV1Alpha {
		g.p.fail("exec plugin apiVersion %s: kubectl 1.24 and later refuse it", cfg.APIVersion)
	}
	env := ""
	if g.base.Exec.Profile != "" {
		env = " (AWS_PROFILE=" + g.base.Exec.Profile + ")"
	}
	res, err := g.execPlugin(ctx, cfg, server)
	out.facts.Ran = true
	if err != nil {
		out.execErr = err.Error()
		out.facts.Err = err.Error()
		g.p.fail("exec plugin %s %s%s: %v", cfg.Command, strings.Join(cfg.Args, " "), env, err)
		return out
	}
	g.p.ok("exec plugin %s %s%s gave a token", cfg.Command, strings.Join(cfg.Args, " "), env)
	info, err := awsapi.DecodeToken(res.Token, g.now())
	t := out.facts
	t.AccessKeyID = awsapi.MaskAccessKeyID(info.AccessKeyID)
	t.Region, t.Date, t.Expires = info.Region, info.Date, info.Expires
	t.SignedHeaders, t.Size = info.SignedHeaders, info.Size
	if err != nil {
		t.Invalid = err.Error()
		g.p.fail("token: %v", err)
	} else {
		g.p.ok("token: signed by %s in %s at %s, %d bytes", t.AccessKeyID, info.Region, info.Date.Format(time.RFC3339), info.Size)
	}
	out.token = res.Token
	return out
}

func (g *run) replay(ctx context.Context, token, cluster string) *diagnose.STS {
	s := &diagnose.STS{Step: diagnose.Step{Ran: true}}
	if cluster == "" {
		s.Ran, s.Skipped = false, "no cluster name: pass --cluster-name"
		g.p.warn("STS: not asked (no cluster name; pass --cluster-name)")
		return s
	}
	id, err := awsapi.ReplayToken(ctx, g.httpClient(), token, cluster)
	if err != nil {
		s.Err = err.Error()
		var se *awsapi.STSError
		if errors.As(err, &se) {
			s.ErrorCode = se.Code
		}
		g.p.fail("STS refused the token for cluster %q: %v", cluster, err)
		return s
	}
	s.ARN, s.Account, s.UserID = id.ARN, id.Account, id.UserID
	g.p.ok("STS: the token stands for %s", id.ARN)
	return s
}

// awsOK reports whether the AWS clients were built.
func (g *run) awsOK() bool { return g.aws != nil && g.awsErr == nil }

// callerARN is who the AWS clients' credentials are (STS
// GetCallerIdentity through the SDK), "" when STS does not say.
func (g *run) callerARN(ctx context.Context) string {
	out, err := g.aws.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return ""
	}
	return aws.ToString(out.Arn)
}

// shellIsAWS reports whether the shell's default AWS configuration is the
// AWS clients': the same profile and region once the SDK's environment
// variables fill what the options leave empty.
func (g *run) shellIsAWS() bool {
	profile := cmp.Or(os.Getenv("AWS_PROFILE"), os.Getenv("AWS_DEFAULT_PROFILE"))
	region := cmp.Or(os.Getenv("AWS_REGION"), os.Getenv("AWS_DEFAULT_REGION"))
	return cmp.Or(g.awsOpts.Profile, profile) == profile && cmp.Or(g.awsOpts.Region, region) == cmp.Or(g.o.Region, region)
}

// shellIdentity is who `aws sts get-caller-identity` says you are in this
// shell, with the default AWS configuration.
func (g *run) shellIdentity(ctx context.Context) string {
	c, err := g.newAWS(ctx, awsapi.ConfigOptions{Region: g.o.Region})
	if err != nil {
		return ""
	}
	out, err := c.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return ""
	}
	return aws.ToString(out.Arn)
}

func (g *run) describe(ctx context.Context, name, server string) *diagnose.Cluster {
	c := &diagnose.Cluster{Name: name, KubeconfigServer: server}
	switch {
	case name == "":
		c.Skipped = "no cluster name (no exec plugin --cluster-name and no --cluster-name flag)"
		g.p.warn("EKS: cluster not described (no cluster name; pass --cluster-name)")
		return c
	case g.awsErr != nil:
		c.Skipped = g.awsError(g.awsErr)
		g.p.warn("EKS: %s", c.Skipped)
		return c
	}
	c.Ran = true
	cl, err := awsapi.DescribeCluster(ctx, g.aws.EKS, name)
	if err != nil && awsapi.IsNotFound(err) && server != "" {
		// The name (from the exec plugin's args) is not a cluster here:
		// find the cluster kubectl really talks to by its endpoint. When
		// it is another name, the token is signed for the wrong one.
		if found, ok, ferr := awsapi.FindClusterByEndpoint(ctx, g.aws.EKS, server); ferr == nil && ok {
			g.p.fail("EKS: no cluster %q; the kubeconfig server %s is the endpoint of cluster %s", name, server, found.Name)
			cl, err, c.Name = found, nil, found.Name
		}
	}
	if err != nil {
		c.Err = g.awsError(err)
		g.p.fail("EKS DescribeCluster %s: %s", name, c.Err)
		return c
	}
	c.Region, c.ARN, c.Endpoint, c.AuthenticationMode, c.CreatorAdmin = g.aws.Region, cl.ARN, cl.Endpoint, cl.AuthenticationMode, cl.CreatorAdmin
	g.p.ok("EKS: cluster %s, mode %s, endpoint %s", name, cl.AuthenticationMode, cl.Endpoint)
	return c
}

func (g *run) awsAuth(ctx context.Context, kc *Context) *diagnose.AWSAuth {
	a := &diagnose.AWSAuth{Step: diagnose.Step{Ran: true}, Source: "context " + kc.Name}
	cm, err := kube.GetAWSAuth(ctx, kc.Client)
	switch {
	case apierrors.IsNotFound(err):
		a.Missing = true
		g.p.fail("aws-auth: configmap kube-system/aws-auth does not exist")
	case err != nil:
		a.Err = g.apiError(err, "context "+kc.Name, "get")
		g.p.warn("aws-auth: cannot read it: %s (use --admin-context)", a.Err)
	default:
		a.Map, a.Data = awsauth.Parse(cm.Data), cm.Data
		g.p.ok("aws-auth: %d entries read through context %s", len(a.Map.Entries), kc.Name)
	}
	return a
}

func (g *run) review(ctx context.Context, kc *Context) *diagnose.Review {
	r := &diagnose.Review{Step: diagnose.Step{Ran: true}}
	u, err := kube.WhoAmI(ctx, kc.Client)
	switch {
	case apierrors.IsUnauthorized(err):
		r.Unauthorized = true
		g.p.fail("the cluster answers 401 Unauthorized to your token")
	case err != nil:
		r.Err = firstLine(err)
		g.p.warn("SelfSubjectReview: %s", r.Err)
	default:
		r.Username, r.Groups = u.Username, u.Groups
		g.p.ok("the cluster knows you as %q, groups [%s]", u.Username, strings.Join(u.Groups, ", "))
	}
	return r
}

// query is the access check of the flags.
func (g *run) query() kube.AccessQuery {
	return kube.AccessQuery{Verb: g.o.Verb, Resource: g.o.Resource, Namespace: g.o.Namespace}
}

func (g *run) newAccess() *diagnose.Access {
	return &diagnose.Access{Step: diagnose.Step{Ran: true}, Verb: g.o.Verb, Resource: g.o.Resource, Namespace: g.o.Namespace}
}

// canI asks what the identity under test may do, as itself.
func (g *run) canI(ctx context.Context, kc *Context) *diagnose.Access {
	a := g.newAccess()
	allowed, reason, err := kube.CanI(ctx, kc.Client, g.query())
	if err != nil {
		a.Err = firstLine(err)
		return a
	}
	a.Allowed, a.Reason = allowed, reason
	g.accessStep(allowed, "you")
	return a
}

// accessStep reports the answer of an access review about who.
func (g *run) accessStep(allowed bool, who string) {
	o := g.o
	if allowed {
		g.p.ok("RBAC: %s may %s %s in %s", who, o.Verb, o.Resource, o.Namespace)
	} else {
		g.p.fail("RBAC: %s may not %s %s in %s", who, o.Verb, o.Resource, o.Namespace)
	}
}

// rbac asks, as admin, what the identity may do and which bindings name it.
func (g *run) rbac(ctx context.Context, kc *Context, prev *diagnose.Access, user string, groups []string, lists *future[bindingLists]) *diagnose.Access {
	a := prev
	if a == nil {
		a = g.newAccess()
		a.AboutOther = true
		allowed, reason, err := kube.CanUser(ctx, kc.Client, user, groups, nil, g.query())
		if err != nil {
			a.Err = firstLine(err)
			g.p.warn("RBAC: cannot ask for %q: %s", user, a.Err)
		} else {
			a.Allowed, a.Reason = allowed, reason
			g.accessStep(allowed, strconv.Quote(user))
		}
	}
	l := lists.get()
	if l.err != nil {
		g.p.warn("RBAC bindings: cannot list them: %s", firstLine(l.err))
		return a
	}
	// system:authenticated is everybody's: its bindings say nothing.
	a.Bindings = append(a.Bindings, l.bindingsFor(user, slices.DeleteFunc(slices.Clone(groups), func(g string) bool { return g == "system:authenticated" }))...)
	return a
}

func listBindings(ctx context.Context, kc *Context) bindingLists {
	b, err := kube.ListBindings(ctx, kc.Client.RbacV1())
	return bindingLists{Bindings: b, err: err}
}

// bindingsFor are the bindings that name the user or one of the groups.
func (l bindingLists) bindingsFor(user string, groups []string) []diagnose.Binding {
	var out []diagnose.Binding
	for _, b := range l.For(user, groups) {
		out = append(out, diagnose.Binding{Kind: b.Kind, Name: b.Name, Namespace: b.Namespace, Role: b.Role, Subject: b.Subject})
	}
	return out
}
