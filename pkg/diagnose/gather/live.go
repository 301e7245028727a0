package gather

import (
	"cmp"
	"context"
	"errors"
	"strings"

	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsapi"
	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
	"github.com/eksaccess/kubectl-eksaccess/pkg/diagnose"
	"github.com/eksaccess/kubectl-eksaccess/pkg/kube"
)

// Live gathers the snapshot through a kubeconfig context (and the admin
// context), the exec plugin and AWS. The exec plugin starts first;
// everything that does not need its token starts at once; what needs it
// starts as soon as the exec plugin has given it; RBAC is asked last,
// about whom the cluster says it sees.
func Live(ctx context.Context, o Options, c Clients) diagnose.Snapshot {
	g := newRun(o, c)
	f := g.start(ctx)
	snap := g.collect(f)
	g.inferCreator(&snap, f.adminARN.get())
	// RBAC: who the cluster thinks the identity is decides what to ask.
	pre := diagnose.Diagnose(snap)
	if pre.Authenticated && (snap.Access == nil || !snap.Access.Allowed) {
		snap.Access = g.rbac(ctx, f.admin.get(), snap.Access, pre.Username, pre.Groups, f.bindings)
	}
	return snap
}

// run is one live gathering: what is known before any call, then the
// futures of its steps. Each step writes only its own result.
type run struct {
	o           Options
	p           *progress
	newAWS      NewAWS
	user, admin *Context
	early       *EarlyExec
	// base is the snapshot before any call: subject, mode, contexts and
	// the exec plugin's facts.
	base        diagnose.Snapshot
	clusterName string
	// aws are the clients of awsOpts, the exec plugin's profile and region
	// unless the flags say otherwise; nil (with awsErr) when they could not
	// be built or are not needed.
	awsOpts awsapi.ConfigOptions
	aws     *AWS
	awsErr  error
}

func newRun(o Options, c Clients) *run {
	g := &run{o: o, p: newProgress(o), newAWS: c.NewAWS, user: c.User, admin: c.Admin, early: c.Exec}
	if g.newAWS == nil {
		g.newAWS = LoadAWS
	}
	if g.admin == nil {
		g.admin = g.user
	}
	g.base = diagnose.Snapshot{Subject: o.ARN, Mode: o.Mode, Context: g.user.Name, AdminContext: o.AdminContext, AsMyself: o.ARN == ""}
	// The exec plugin tells which cluster and AWS identity kubectl uses.
	g.awsOpts = awsapi.ConfigOptions{Profile: o.Profile, Region: o.Region}
	g.clusterName = o.ClusterName
	if x := g.user.Exec; x != nil {
		g.base.Exec = execFacts(x)
		g.clusterName = cmp.Or(g.clusterName, g.base.Exec.ClusterName)
		g.awsOpts.Profile = cmp.Or(g.awsOpts.Profile, g.base.Exec.Profile)
		g.awsOpts.Region = cmp.Or(g.awsOpts.Region, g.base.Exec.Region)
	}
	return g
}

// runsExec reports whether the identity under test is the exec plugin's.
func (g *run) runsExec() bool { return g.base.AsMyself && g.user.Exec != nil }

// futures are the steps of a live gathering, running.
type futures struct {
	token     *future[execToken]
	user      *future[*Context]
	admin     *future[*Context]
	adminARN  *future[string]
	cluster   *future[*diagnose.Cluster]
	entryARNs *future[arnList]
	entries   *future[*diagnose.AccessEntries]
	awsAuth   *future[*diagnose.AWSAuth]
	caller    *future[string]
	shell     *future[string]
	sts       *future[*diagnose.STS]
	review    *future[*diagnose.Review]
	access    *future[*diagnose.Access]
	bindings  *future[bindingLists]
}

// start starts every step: the user's exec plugin first, for every
// request made as the identity under test waits for its token.
func (g *run) start(ctx context.Context) *futures {
	f := &futures{token: ready(execToken{})}
	if g.base.AsMyself {
		f.token = async(func() execToken { return g.runExec(ctx, g.user.Exec, g.user.Server) })
	}
	// Building the AWS clients reads files only; every call after it
	// goes to the network.
	if g.clusterName != "" || g.runsExec() {
		g.aws, g.awsErr = g.newAWS(ctx, g.awsOpts)
	}
	g.startIdentity(ctx, f)
	g.startAWS(ctx, f)
	g.startCluster(ctx, f)
	return f
}

// startIdentity makes the clients that carry the user's token, and runs
// the admin's exec plugin for its requests and to learn who it is.
func (g *run) startIdentity(ctx context.Context, f *futures) {
	// The requests made as the user carry the token the plugin already
	// gave, as kubectl would send it: client-go would run the plugin again.
	f.user = async(func() *Context { return g.user.withToken(f.token.get().token) })
	f.admin, f.adminARN = ready(g.admin), ready("")
	switch {
	case g.admin == g.user:
		f.admin = f.user
	case g.admin.Exec != nil:
		// Run the admin context's exec plugin once, for its requests (as
		// client-go would) and to learn who it is: an admin that gets in
		// without being in aws-auth in CONFIG_MAP mode is the creator.
		tok := async(func() string {
			res, err := g.execPlugin(ctx, g.admin.Exec, g.admin.Server)
			if err != nil {
				return "" // client-go runs it again and says why
			}
			return res.Token
		})
		f.admin = async(func() *Context { return g.admin.withToken(tok.get()) })
		f.adminARN = async(func() string {
			if tok.get() == "" || g.clusterName == "" {
				return ""
			}
			id, err := awsapi.ReplayToken(ctx, g.httpClient(), tok.get(), g.clusterName)
			if err != nil {
				return ""
			}
			return id.ARN
		})
	}
}

// startAWS asks STS and EKS: the cluster, its access entries, and who the
// token and the shell stand for.
func (g *run) startAWS(ctx context.Context, f *futures) {
	f.cluster = async(func() *diagnose.Cluster { return g.describe(ctx, g.clusterName, g.user.Server) })
	f.entryARNs = async(func() arnList {
		if g.clusterName == "" || g.awsErr != nil || g.o.Mode == diagnose.ModeConfigMap {
			return arnList{}
		}
		// Listed beside DescribeCluster, not after it, so that the entries
		// are one round trip from the answer: on a CONFIG_MAP cluster EKS
		// refuses the call and accessEntries drops the answer unread.
		arns, err := awsapi.AccessEntryARNs(ctx, g.aws.EKS, g.clusterName)
		return arnList{arns, err}
	})
	// Who the AWS clients' credentials are: the shell's identity too when
	// the shell's configuration is theirs, and the guess of whom the token
	// stands for (startEntries).
	shellIsAWS := g.runsExec() && g.awsOK() && g.shellIsAWS()
	f.caller = ready("")
	if shellIsAWS || g.guessesPrincipal() {
		f.caller = async(func() string { return g.callerARN(ctx) })
	}
	f.shell = ready("")
	switch {
	case shellIsAWS:
		f.shell = f.caller
	case g.runsExec():
		f.shell = async(func() string { return g.shellIdentity(ctx) })
	}
	f.sts = async(func() *diagnose.STS {
		if t := f.token.get(); t.token != "" {
			return g.replay(ctx, t.token, g.clusterName)
		}
		return nil
	})
	g.startEntries(ctx, f)
}

// startEntries describes the access entries of the principal: the list is
// read at once; the principal's entries are described as soon as the
// principal is known, which for the identity kubectl uses is guessed
// (guessesPrincipal) before STS has said who the token stands for.
func (g *run) startEntries(ctx context.Context, f *futures) {
	list := async(func() arnList {
		l := f.entryARNs.get()
		if c := f.cluster.get(); c != nil && c.Name != "" && c.Name != g.clusterName && g.awsErr == nil {
			// DescribeCluster found the cluster under another name.
			l.arns, l.err = awsapi.AccessEntryARNs(ctx, g.aws.EKS, c.Name)
		}
		return l
	})
	entriesOf := func(subject string, p *progress) *diagnose.AccessEntries {
		part := diagnose.Snapshot{Subject: subject, Mode: g.base.Mode, Cluster: f.cluster.get()}
		if part.Mode == "" && part.Cluster != nil {
			part.Mode = part.Cluster.AuthenticationMode
		}
		l := list.get()
		return g.accessEntries(ctx, p, part, l.arns, l.err)
	}
	guess, guessed := ready(""), ready(heldEntries{})
	if g.guessesPrincipal() {
		guess = f.caller
		guessed = async(func() heldEntries {
			if arn := guess.get(); arn != "" {
				p := hold()
				return heldEntries{entries: entriesOf(arn, p), p: p}
			}
			return heldEntries{}
		})
	}
	f.entries = async(func() *diagnose.AccessEntries {
		subject := g.base.Subject
		if subject == "" {
			if st := f.sts.get(); st != nil {
				subject = st.ARN
			}
		}
		if subject != "" && subject == guess.get() {
			h := guessed.get()
			h.p.replayTo(g.p)
			return h.entries
		}
		return entriesOf(subject, g.p)
	})
}

// startCluster asks the cluster: aws-auth, who the token is, what it may
// do, and every RBAC binding.
func (g *run) startCluster(ctx context.Context, f *futures) {
	f.awsAuth = async(func() *diagnose.AWSAuth { return g.awsAuth(ctx, f.admin.get()) })
	f.review = async(func() *diagnose.Review {
		if f.token.get().token == "" {
			return nil
		}
		return g.review(ctx, f.user.get())
	})
	f.access = async(func() *diagnose.Access {
		if f.token.get().token == "" {
			return nil
		}
		return g.canI(ctx, f.user.get())
	})
	// The bindings are listed beside the review, not after it; read as the
	// identity under test, the answer is dropped when the cluster refuses
	// that identity anyway.
	lists := async(func() bindingLists { return listBindings(ctx, f.admin.get()) })
	f.bindings = async(func() bindingLists {
		if g.admin == g.user {
			if rv := f.review.get(); rv != nil && rv.Unauthorized {
				return bindingLists{err: errors.New("the cluster answers 401 Unauthorized")}
			}
		}
		return lists.get()
	})
}

// collect waits for the steps and makes the snapshot.
func (g *run) collect(f *futures) diagnose.Snapshot {
	snap := g.base
	t := f.token.get()
	snap.Token = t.facts
	if t.execErr != "" {
		snap.Exec.Err = t.execErr
	}
	snap.Cluster = f.cluster.get()
	snap.AWSAuth = f.awsAuth.get()
	snap.Review = f.review.get()
	snap.Access = f.access.get()
	if st := f.sts.get(); st != nil {
		st.ShellARN = f.shell.get()
		snap.STS = st
	}
	snap.AccessEntries = f.entries.get()
	if snap.Subject == "" && snap.STS != nil {
		snap.Subject = snap.STS.ARN
	}
	if snap.Mode == "" && snap.Cluster != nil {
		snap.Mode = snap.Cluster.AuthenticationMode
	}
	return snap
}

// inferCreator learns the cluster creator from the admin context: in
// CONFIG_MAP mode the creator's admin access is in no aws-auth entry, so an
// admin identity that read aws-auth (it got in) without being mapped there
// is the creator (or a mapping as invisible).
func (g *run) inferCreator(snap *diagnose.Snapshot, adminARN string) {
	c, a := snap.Cluster, snap.AWSAuth
	if adminARN == "" || c == nil || c.Creator != "" || c.Err != "" || !c.Ran || c.AuthenticationMode != diagnose.ModeConfigMap ||
		(c.CreatorAdmin != nil && !*c.CreatorAdmin) || a == nil || a.Map == nil || a.Err != "" {
		return
	}
	p, err := awsauth.Canonicalize(adminARN)
	if err != nil || a.Map.Lookup(p, "") != nil {
		return
	}
	c.Creator = p.Canonical
	g.p.ok("the admin context %s gets in as %s, which aws-auth does not map: it is the cluster creator", snap.AdminContext, p.Canonical)
}

// execFacts are the exec plugin's facts, its secrets masked.
func execFacts(cfg *clientcmdapi.ExecConfig) *diagnose.Exec {
	e := &diagnose.Exec{Step: diagnose.Step{Ran: true}, Command: cfg.Command, Args: cfg.Args, APIVersion: cfg.APIVersion, Env: map[string]string{}}
	for _, v := range cfg.Env {
		e.Env[v.Name] = v.Value
		if up := strings.ToUpper(v.Name); strings.Contains(up, "SECRET") || strings.Contains(up, "TOKEN") || strings.Contains(up, "KEY") {
			e.Env[v.Name] = "****"
		}
	}
	e.ClusterName = kube.ExecArg(cfg.Args, "--cluster-name", "-i", "--cluster-id")
	e.Region = kube.ExecArg(cfg.Args, "--region")
	e.RoleARN = kube.ExecArg(cfg.Args, kube.ExecRoleArgs...)
	e.Profile = kube.ExecArg(cfg.Args, "--profile")
	if e.Profile == "" {
		e.Profile = kube.ExecEnv(cfg, "AWS_PROFILE")
	}
	if e.Region == "" {
		e.Region = kube.ExecEnv(cfg, "AWS_REGION")
	}
	return e
}
