// Package genericclioptions is kubectl's client flags (ConfigFlags: --kubeconfig,
// --context, --as, --request-timeout...) and output flags (PrintFlags: -o
// json|yaml|kyaml|jsonpath=|go-template=...), copied from cli-runtime's
// genericclioptions (v0.37.2, Apache-2.0, each file keeps its header) without
// what the plugin never calls: discovery, the REST mapper and the resource
// builder. Importing genericclioptions links in client-go's
// kubernetes/scheme (every API group, registered at start), kustomize and the
// OpenAPI models through resource.Builder: about 12 MiB of the binary and
// most of its start-up. Flags, defaults and behaviour are cli-runtime's.
package genericclioptions
