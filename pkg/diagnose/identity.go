package diagnose

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
)

// unchecked says plainly which steps did not run or failed.
func (d *diag) unchecked() {
	s := d.s
	type named struct {
		name string
		st   *Step
	}
	var steps []named
	add := func(name string, st *Step) { steps = append(steps, named{name, st}) }
	if s.Exec != nil {
		add("exec plugin", &s.Exec.Step)
	}
	if s.Token != nil {
		add("token", &s.Token.Step)
	}
	if s.STS != nil {
		add("STS identity", &s.STS.Step)
	}
	if s.Cluster != nil {
		add("EKS cluster (DescribeCluster)", &s.Cluster.Step)
	}
	if s.AccessEntries != nil {
		add("access entries", &s.AccessEntries.Step)
	}
	if s.AWSAuth != nil {
		add("aws-auth", &s.AWSAuth.Step)
	}
	if s.Review != nil {
		add("SelfSubjectReview", &s.Review.Step)
	}
	if s.Access != nil {
		add("RBAC access review", &s.Access.Step)
	}
	for _, x := range steps {
		switch {
		case x.st.Skipped != "" && x.st.Err != "":
			d.r.Unchecked = append(d.r.Unchecked, fmt.Sprintf("%s: not checked: %s (%s)", x.name, x.st.Skipped, x.st.Err))
		case x.st.Skipped != "":
			d.r.Unchecked = append(d.r.Unchecked, fmt.Sprintf("%s: not checked: %s", x.name, x.st.Skipped))
		case x.st.Err != "":
			d.r.Unchecked = append(d.r.Unchecked, fmt.Sprintf("%s: failed: %s", x.name, x.st.Err))
		case !x.st.Ran:
			d.r.Unchecked = append(d.r.Unchecked, x.name+": did not run")
		}
	}
}

func ran(st *Step) bool { return st != nil && st.Ran && st.Err == "" && st.Skipped == "" }

// identity finds the ARN, its canonical form and the mode.
func (d *diag) identity() {
	s := d.s
	if s.STS != nil && s.STS.ARN != "" {
		acct := ""
		if s.STS.Account != "" {
			acct = " (account " + s.STS.Account + ")"
		}
		d.evidence("STS says you are %s%s", s.STS.ARN, acct)
	}
	arn := s.Subject
	if arn == "" && s.STS != nil {
		arn = s.STS.ARN
	}
	d.r.ARN = arn

	d.mode = s.Mode
	if d.mode == "" && s.Cluster != nil {
		d.mode = s.Cluster.AuthenticationMode
	}
	d.modeKnown = d.mode != ""
	if !d.modeKnown {
		d.mode = ModeConfigMap
		d.r.Unchecked = append(d.r.Unchecked, "authentication mode: unknown, assumed CONFIG_MAP (aws-auth only)")
	}
	if s.Cluster != nil && ran(&s.Cluster.Step) {
		creator := "unknown"
		if s.Cluster.CreatorAdmin != nil {
			creator = fmt.Sprint(*s.Cluster.CreatorAdmin)
		}
		d.evidence("EKS cluster %s: authenticationMode %s, bootstrapClusterCreatorAdminPermissions %s", orDefault(s.Cluster.Name, "?"), orDefault(s.Cluster.AuthenticationMode, "?"), creator)
		if e, k := strings.TrimRight(strings.ToLower(s.Cluster.Endpoint), "/"), strings.TrimRight(strings.ToLower(s.Cluster.KubeconfigServer), "/"); e != "" && k != "" && e != k {
			d.add(Finding{Code: CodeEndpointMismatch, Severity: awsauth.SeverityWarning,
				Message: fmt.Sprintf("the kubeconfig server %s is not the endpoint of EKS cluster %s (%s): kubectl talks to another cluster than the one described", s.Cluster.KubeconfigServer, s.Cluster.Name, s.Cluster.Endpoint),
				Fix:     fmt.Sprintf("point the context at the right cluster: aws eks update-kubeconfig --name %s%s", orDefault(s.Cluster.Name, "CLUSTER"), regionFlag(s.Cluster.Region))})
		}
	}
	if s.AWSAuth != nil && s.AWSAuth.Map != nil {
		d.m = s.AWSAuth.Map
	}
	if s.Token != nil {
		d.akid = s.Token.AccessKeyID
	}
	if arn == "" {
		return
	}
	p, err := awsauth.Canonicalize(arn)
	if err != nil {
		d.add(Finding{Code: CodeInvalidSubject, Severity: awsauth.SeverityError,
			Message: fmt.Sprintf("%s is not an identity the authenticator accepts: %v", arn, err),
			Fix:     "give the ARN of an IAM user or role, or of an assumed-role session: arn:aws:iam::111122223333:role/NAME"})
		d.because(Unknown, CodeInvalidSubject, fmt.Sprintf("%s is not an IAM identity ARN, so it cannot be diagnosed", arn))
		d.because(Unauthorized, CodeInvalidSubject, fmt.Sprintf("%s is not an IAM identity ARN, which the authenticator refuses", arn))
		return
	}
	d.pOK = true
	d.sessionKnown = p.Type == awsauth.PrincipalAssumedRole
	if p.Type == awsauth.PrincipalRole && p.Path != "/" && p.Name != "" {
		// A session of this role is seen by STS without the path.
		d.rolePath = p.Path
		p.Canonical = p.PathlessARN()
		d.evidence("a session of %s is seen by the authenticator as %s: STS drops the path %s", arn, p.Canonical, d.rolePath)
	}
	d.p = p
	d.r.CanonicalARN = p.Canonical
	if p.Canonical != arn {
		if p.SessionName != "" {
			d.evidence("canonical ARN: %s (session %s)", p.Canonical, p.SessionName)
		} else {
			d.evidence("canonical ARN: %s", p.Canonical)
		}
	}
}

// execAndToken checks what happens before the authenticator maps anybody.
func (d *diag) execAndToken() {
	s := d.s
	if s.Exec != nil && s.Exec.APIVersion == ExecAPIVersionV1Alpha {
		d.execBroken = true
		d.add(Finding{Code: CodeExecV1Alpha1, Severity: awsauth.SeverityError,
			Message: fmt.Sprintf("the kubeconfig exec plugin (%s) uses apiVersion %s, which kubectl 1.24 and later refuse: kubectl never gets a token", orDefault(s.Exec.Command, "?"), ExecAPIVersionV1Alpha),
			Fix:     fmt.Sprintf("set the exec apiVersion to client.authentication.k8s.io/v1beta1 in the kubeconfig user, or regenerate it: aws eks update-kubeconfig --name %s%s", d.clusterName(), regionFlag(d.region()))})
		d.because(Unauthorized, CodeExecV1Alpha1, "kubectl 1.24 and later refuse the exec plugin's apiVersion client.authentication.k8s.io/v1alpha1, so no token is ever sent")
	}
	if t := s.Token; t != nil {
		if t.Region != "" || t.Size > 0 {
			d.evidence("token: %d bytes, region %s, signed %s, valid until %s (STS accepts a token for 15 minutes after signing, whatever X-Amz-Expires=%d says), access key %s", t.Size, orDefault(t.Region, "?"), fmtTime(t), t.Date.Add(15*time.Minute).UTC().Format(time.RFC3339), t.Expires, orDefault(t.AccessKeyID, "?"))
		}
		inv := strings.ToLower(t.Invalid)
		switch {
		case t.Size > maxTokenSize || strings.Contains(inv, "bytes, more than"):
			d.tokenRefused = true
			d.add(Finding{Code: CodeTokenTooLong, Severity: awsauth.SeverityError,
				Message: fmt.Sprintf("the token is %d bytes; the authenticator refuses tokens over %d bytes", t.Size, maxTokenSize),
				Fix:     "make the session smaller: fewer session tags, a shorter session policy and role session name (the presigned URL carries the session token)"})
			d.because(Unauthorized, CodeTokenTooLong, fmt.Sprintf("the token is %d bytes, over the authenticator's limit of %d", t.Size, maxTokenSize))
		case strings.Contains(inv, "expired") || strings.Contains(inv, "future") || strings.Contains(inv, "clock"):
			d.tokenRefused = true
			d.add(Finding{Code: CodeTokenExpired, Severity: awsauth.SeverityError,
				Message: "the token is refused as " + t.Invalid,
				Fix:     "sync this machine's clock with NTP (e.g. `sudo chronyc makestep` or `sudo timedatectl set-ntp true`), and do not cache tokens: kubectl asks the exec plugin for a fresh one"})
			d.because(Unauthorized, CodeTokenExpired, "the token is expired or dated in the future (this machine's clock is off), so the authenticator refuses it")
		case t.Invalid != "":
			d.tokenRefused = true
			d.add(Finding{Code: CodeTokenInvalid, Severity: awsauth.SeverityError,
				Message: "the authenticator refuses the token: " + t.Invalid,
				Fix:     fmt.Sprintf("make the exec plugin produce an EKS token (aws eks get-token --cluster-name %s, or kubectl eksaccess token --cluster-name %s)", d.clusterName(), d.clusterName())})
			d.because(Unauthorized, CodeTokenInvalid, "the authenticator refuses the token itself: "+t.Invalid)
		}
	}
	execCluster := ""
	if s.Exec != nil {
		execCluster = s.Exec.ClusterName
	}
	otherName := execCluster != "" && s.Cluster != nil && s.Cluster.Name != "" && execCluster != s.Cluster.Name
	if st := s.STS; st != nil {
		switch code := st.ErrorCode; {
		case code == "SignatureDoesNotMatch" || (code == "" && otherName):
			d.tokenRefused = code != "" || d.tokenRefused
			msg := "STS refuses the token replayed with this cluster's name (SignatureDoesNotMatch): it was signed for another cluster name"
			if otherName {
				msg = fmt.Sprintf("the exec plugin signs the token for cluster %q but this cluster is %q: the authenticator's replay to STS fails with SignatureDoesNotMatch", execCluster, s.Cluster.Name)
				d.tokenRefused = true
			}
			d.add(Finding{Code: CodeTokenOtherCluster, Severity: awsauth.SeverityError, Message: msg,
				Fix: fmt.Sprintf("give the exec plugin this cluster's name (--cluster-name %s): aws eks update-kubeconfig --name %s%s", d.clusterName(), d.clusterName(), regionFlag(d.region()))})
			d.because(Unauthorized, CodeTokenOtherCluster, "the token is signed for another cluster name, so STS refuses the authenticator's replay (SignatureDoesNotMatch)")
		case code == "ExpiredToken" || code == "RequestExpired" || code == "ExpiredTokenException":
			d.tokenRefused = true
			d.add(Finding{Code: CodeTokenExpired, Severity: awsauth.SeverityError,
				Message: fmt.Sprintf("STS refuses the token: %s (the credentials or the signature are expired, or this machine's clock is off)", code),
				Fix:     "refresh the AWS credentials (aws sso login, or a new session), sync this machine's clock with NTP, then retry"})
			d.because(Unauthorized, CodeTokenExpired, "STS says the token's credentials are expired ("+code+"), so the authenticator refuses it")
		case code != "":
			d.tokenRefused = true
			d.add(Finding{Code: CodeTokenInvalid, Severity: awsauth.SeverityError,
				Message: fmt.Sprintf("STS refuses the token: %s%s", code, suffix(": ", st.Err)),
				Fix:     "check the exec plugin's AWS credentials: aws sts get-caller-identity" + d.profileFlag()})
			d.because(Unauthorized, CodeTokenInvalid, "STS refuses the token ("+code+"), so the authenticator refuses the request")
		}
	}
}

// execIdentity explains an exec plugin that uses another identity than
// the shell.
func (d *diag) execIdentity() {
	st := d.s.STS
	if st == nil || st.ShellARN == "" || st.ARN == "" {
		return
	}
	a, errA := awsauth.Canonicalize(st.ARN)
	b, errB := awsauth.Canonicalize(st.ShellARN)
	if errA != nil || errB != nil || strings.EqualFold(a.Canonical, b.Canonical) {
		return
	}
	uses := d.execUses()
	acct := ""
	if a.AccountID != b.AccountID {
		acct = fmt.Sprintf(" (account %s, not %s)", a.AccountID, b.AccountID)
	}
	sev := awsauth.SeverityError
	if d.r.Verdict == Authorized {
		sev = awsauth.SeverityInfo
	}
	msg := fmt.Sprintf("kubectl authenticates as %s%s, not as your shell's %s", st.ARN, acct, st.ShellARN)
	if uses != "" {
		msg += ": your exec plugin uses " + uses
	}
	check := "aws sts get-caller-identity" + d.profileFlag()
	d.add(Finding{Code: CodeExecIdentity, Severity: sev, Message: msg,
		Fix: fmt.Sprintf("`%s` shows the identity kubectl uses; map that one (%s), or change the exec plugin's env/args in the kubeconfig to use the identity you meant", check, d.addCmd())})
	if d.r.Verdict != Authorized {
		why := "the exec plugin uses another identity than your shell"
		if uses != "" {
			why = "your exec plugin uses " + uses
		}
		d.because(d.r.Verdict, CodeExecIdentity, fmt.Sprintf("kubectl authenticates as %s, not as your shell's %s, because %s, and %s", a.Canonical, b.Canonical, why, lowerFirst(d.pickQuiet(d.r.Verdict))))
	}
}

// execUses says what makes the exec plugin's identity differ.
func (d *diag) execUses() string {
	x := d.s.Exec
	if x == nil {
		return ""
	}
	var parts []string
	profileArg := slices.Contains(x.Args, "--profile") || slices.ContainsFunc(x.Args, func(a string) bool { return strings.HasPrefix(a, "--profile=") })
	switch {
	case x.Env["AWS_PROFILE"] != "":
		parts = append(parts, "AWS_PROFILE="+x.Env["AWS_PROFILE"])
	case x.Profile != "" && profileArg:
		parts = append(parts, "--profile "+x.Profile)
	case x.Profile != "":
		parts = append(parts, "AWS_PROFILE="+x.Profile)
	}
	if x.RoleARN != "" {
		parts = append(parts, "--role-arn "+x.RoleARN)
	} else if x.Env["AWS_ROLE_ARN"] != "" {
		parts = append(parts, "AWS_ROLE_ARN="+x.Env["AWS_ROLE_ARN"])
	}
	return strings.Join(parts, " and ")
}
