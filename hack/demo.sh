#!/usr/bin/env bash
# make demo: the Unauthorized story on the local EKS sandbox, with the real
# kubectl and kubectl-eksaccess. Prints every command and its output, and
# exits non-zero as soon as a step does not behave as it says.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export EKSACCESS_SANDBOX_DIR=${EKSACCESS_SANDBOX_DIR:-/tmp/eksaccess-demo}
dir=$EKSACCESS_SANDBOX_DIR
export PATH="$root/bin:$PATH"
[[ -x bin/kubectl-eksaccess ]] || make build
# The machine's kubectl, or the one hack/testbin.sh builds when there is none.
export PATH="$PATH:$(bash hack/testbin.sh)"
if ! command -v kubectl >/dev/null; then
  echo "demo: kubectl is not on PATH" >&2
  exit 1
fi

bold=$'\e[1m' green=$'\e[32m' red=$'\e[31m' reset=$'\e[0m'
[[ -t 1 ]] || bold= green= red= reset=
say() { printf '\n%s# %s%s\n' "$bold" "$*" "$reset"; }

# step RC TEXT CMD...: run CMD, print it and its output; its exit status must
# be RC and its output must contain TEXT.
step() {
  local want_rc=$1 want=$2 out rc
  shift 2
  local shown=() a
  for a in "$@"; do
    if [[ $a == *[[:space:]]* ]]; then shown+=("'$a'"); else shown+=("$a"); fi
  done
  printf '%s$ %s%s\n' "$bold" "${shown[*]}" "$reset"
  set +e
  out=$("$@" 2>&1 </dev/null)
  rc=$?
  set -e
  # kubectl's discovery warnings are noise here.
  printf '%s\n' "$out" | grep -v 'memcache.go' || true
  if [[ $rc != "$want_rc" ]] || [[ $out != *"$want"* ]]; then
    printf '%sdemo: FAILED: expected exit %s and output containing %q, got exit %s%s\n' "$red" "$want_rc" "$want" "$rc" "$reset" >&2
    exit 1
  fi
  printf '%s  -> as expected%s\n' "$green" "$reset"
}

up() {
  bash hack/sandbox.sh down >/dev/null 2>&1 || true
  EKSACCESS_SANDBOX_CREATOR=$1 bash hack/sandbox.sh up 2>&1 | grep 'ready in' || true
  eval "$(bash hack/sandbox.sh env)"
  # kubectl caches discovery per server: with a cold cache a 401 reads
  # "(the server has asked for the client to provide credentials)" instead
  # of "(Unauthorized)". An admin call warms it, as any earlier use would.
  kubectl --context sandbox-admin api-resources >/dev/null 2>&1
  export XDG_STATE_HOME="$dir/state"
}
trap 'bash hack/sandbox.sh down >/dev/null 2>&1 || true' EXIT

acct=111122223333
unauthorized='error: You must be logged in to the server (Unauthorized)'
start=$(date +%s)

say "Part 1: the cluster was created by the IAM user cluster_creator (authenticationMode CONFIG_MAP)"
up user
say "The creator is admin without appearing in aws-auth; kubectl authenticates with 'kubectl eksaccess token' (an exec plugin, like 'aws eks get-token')"
step 0 web kubectl --context cluster_creator get pods
say "Another IAM user, designated_user, is refused with the famous message:"
step 1 "$unauthorized" kubectl --context designated_user get pods
say "Why? EKS only says 401; diagnose runs designated_user's exec plugin, replays the token to STS and reads aws-auth as the creator"
step 1 "Verdict: unauthorized" kubectl eksaccess --context designated_user diagnose --admin-context cluster_creator
say "The creator maps designated_user in aws-auth; first the diff only"
step 0 "designated_user" kubectl eksaccess --context cluster_creator add arn:aws:iam::$acct:user/designated_user --group system:masters --dry-run
say "Then for real"
step 0 "" kubectl eksaccess --context cluster_creator add arn:aws:iam::$acct:user/designated_user --group system:masters --yes
step 0 web kubectl --context designated_user get pods
if command -v aws >/dev/null; then
  say "The same with the kubeconfig the AWS CLI writes: its exec is 'aws eks get-token', signed for the real STS host"
  step 0 "Added new context designated" aws eks update-kubeconfig --name sandbox --alias designated --profile designated_user --kubeconfig "$dir/aws-kubeconfig"
  step 0 web env -u AWS_ENDPOINT_URL_STS kubectl --kubeconfig "$dir/aws-kubeconfig" --context designated get pods
else
  say "(no aws on PATH: the AWS CLI steps are skipped; pip install awscli to see them)"
fi

say "Part 2: the cluster was created by the IAM role eks-creator, which assume_role_user may assume"
up role
step 1 "$unauthorized" kubectl --context assume_role_user get pods
say "Context creator_role: AWS profile with role_arn = arn:aws:iam::$acct:role/eks-creator and source_profile = assume_role_user"
step 0 "role_arn = arn:aws:iam::$acct:role/eks-creator" grep -A4 'profile creator_role' "$AWS_CONFIG_FILE"
step 0 web kubectl --context creator_role get pods
step 1 "$unauthorized" kubectl --context designated_user get pods
step 0 "" kubectl eksaccess --context creator_role add arn:aws:iam::$acct:user/designated_user --group system:masters --yes
step 0 web kubectl --context designated_user get pods

say "A role with a path, mapped by hand with its path: the authenticator never matches it"
cat >"$dir/hand-edit.yaml" <<YAML
data:
  mapRoles: |
    - rolearn: arn:aws:iam::$acct:role/eks-node
      username: system:node:{{EC2PrivateDNSName}}
      groups:
        - system:bootstrappers
        - system:nodes
    - rolearn: arn:aws:iam::$acct:role/platform/platform-admin
      username: platform-admin
      groups:
        - system:masters
YAML
step 0 "role/platform/platform-admin" cat "$dir/hand-edit.yaml"
step 0 patched kubectl --context creator_role -n kube-system patch configmap aws-auth --type merge --patch-file "$dir/hand-edit.yaml"
step 1 "$unauthorized" kubectl --context platform_admin get pods
step 1 EKSA107 kubectl eksaccess --context creator_role lint
say "kubectl eksaccess add drops the path, as the authenticator needs"
step 0 "" kubectl eksaccess --context creator_role add arn:aws:iam::$acct:role/platform/platform-admin --username platform-admin --group system:masters --yes
step 0 web kubectl --context platform_admin get pods

say "A mapping to a group that no RBAC binding names: authenticated, then Forbidden (not Unauthorized)"
step 0 "" kubectl eksaccess --context creator_role add arn:aws:iam::$acct:user/assume_role_user --group developers --yes
step 1 'Error from server (Forbidden): pods is forbidden: User "assume_role_user" cannot list resource "pods" in API group "" in the namespace "default"' \
  kubectl --context assume_role_user get pods

say "The demo ran to the end in $(($(date +%s) - start)) s. Why each refusal happened is in the authenticator log:"
grep -c 'access denied' "$dir/authenticator.log" | sed 's/$/ refusals logged in authenticator.log/'
