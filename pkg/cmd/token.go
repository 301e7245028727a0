package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	clientauthv1beta1 "k8s.io/client-go/pkg/apis/clientauthentication/v1beta1"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsapi"
	"github.com/eksaccess/kubectl-eksaccess/third_party/forked/genericclioptions"
)

// TokenOptions are the options of `token`.
type TokenOptions struct {
	genericiooptions.IOStreams
	ClusterName string
	AWS         awsapi.ConfigOptions

	Now func() time.Time
}

// NewCmdToken builds `kubectl eksaccess token`, a drop-in for
// `aws eks get-token` in a kubeconfig's exec section.
func NewCmdToken(streams genericiooptions.IOStreams) *cobra.Command {
	o := &TokenOptions{IOStreams: streams}
	cmd := &cobra.Command{
		Use:   "token --cluster-name NAME [--role-arn ARN] [--region REGION] [--profile PROFILE]",
		Short: "Print an EKS token as an ExecCredential, like 'aws eks get-token'",
		Long: `Print an ExecCredential holding an EKS bearer token: a presigned STS
GetCallerIdentity URL signed with the cluster name, exactly as
'aws eks get-token' makes it. Use it as a kubeconfig exec plugin.

The AWS identity comes from the usual places (AWS_PROFILE, the shared config
and credentials files, environment variables, SSO), or --profile; with
--role-arn that role is assumed first, with the session name EKSGetTokenAuth
as 'aws eks get-token --role-arn' uses (--session-name to change it).
Without a region, the token is signed for the global STS endpoint
(sts.amazonaws.com), as the AWS CLI does.`,
		Example: `  kubectl eksaccess token --cluster-name demo --region eu-west-1
  kubectl eksaccess token --cluster-name demo --role-arn arn:aws:iam::111122223333:role/ClusterCreator`,
		Args: cobra.NoArgs,
		RunE: runE(nil, o),
	}
	cmd.Flags().StringVarP(&o.ClusterName, "cluster-name", "i", "", "Name of the EKS cluster the token is for (signed into it)")
	cmd.Flags().StringVar(&o.AWS.RoleARN, "role-arn", "", "IAM role to assume before making the token")
	cmd.Flags().StringVar(&o.AWS.SessionName, "session-name", awsapi.DefaultSessionName, "Role session name when assuming --role-arn (the AWS CLI's)")
	cmd.Flags().StringVar(&o.AWS.Region, "region", "", "AWS region of the STS endpoint")
	cmd.Flags().StringVar(&o.AWS.Profile, "profile", "", "AWS profile to use (default: AWS_PROFILE, else 'default')")
	return cmd
}

// tokenClock is the clock tokens are signed at; a test stops it at the
// second another token was signed in.
var tokenClock = time.Now

// Complete fills the clock, unless a test set one.
func (o *TokenOptions) Complete(_ *genericclioptions.ConfigFlags, _ *cobra.Command, _ []string) error {
	if o.Now == nil {
		o.Now = tokenClock
	}
	return nil
}

// Validate checks the flags.
func (o *TokenOptions) Validate() error {
	if o.ClusterName == "" {
		return errors.New("--cluster-name is required: the name of the EKS cluster the token is for")
	}
	return nil
}

// execCredential is the ExecCredential `aws eks get-token` prints, field
// for field and in its order ("spec": {}, no "interactive").
type execCredential struct {
	Kind       string   `json:"kind"`
	APIVersion string   `json:"apiVersion"`
	Spec       struct{} `json:"spec"`
	Status     struct {
		ExpirationTimestamp string `json:"expirationTimestamp"`
		Token               string `json:"token"`
	} `json:"status"`
}

// Run makes the token and prints the ExecCredential.
func (o *TokenOptions) Run(ctx context.Context) error {
	client, err := awsapi.NewTokenClient(ctx, o.AWS)
	if err != nil {
		return err
	}
	tok, err := awsapi.NewToken(ctx, client, o.ClusterName, o.Now())
	if err != nil {
		return awsError(err, o.AWS.Profile)
	}
	// kubectl says which apiVersion it expects in KUBERNETES_EXEC_INFO.
	apiVersion := clientauthv1beta1.SchemeGroupVersion.String()
	var info struct {
		APIVersion string `json:"apiVersion"`
	}
	if env := os.Getenv("KUBERNETES_EXEC_INFO"); env != "" && json.Unmarshal([]byte(env), &info) == nil && info.APIVersion != "" {
		apiVersion = info.APIVersion
	}
	cred := execCredential{Kind: "ExecCredential", APIVersion: apiVersion}
	cred.Status.ExpirationTimestamp = tok.Expiration.UTC().Format("2006-01-02T15:04:05Z")
	cred.Status.Token = tok.Value
	b, err := json.Marshal(cred)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(o.Out, string(b))
	return err
}
