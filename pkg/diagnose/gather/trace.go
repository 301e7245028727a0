package gather

import (
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"k8s.io/klog/v2"
)

// requestLogLevel is kubectl's -v level at which client-go logs each
// request it makes ("GET https://... 200 OK in 104 milliseconds"); the AWS
// requests and the exec plugins' runs are logged there too, so that -v=6
// shows where the time of a diagnose goes.
const requestLogLevel = 6

// loggedHTTP logs each AWS request at requestLogLevel when it is answered:
// the service and operation (for a replayed token, the method, host and
// path: never its query, which holds the signature), the status and how
// long it took.
type loggedHTTP struct{ next aws.HTTPClient }

func logRequests(c aws.HTTPClient) aws.HTTPClient {
	if !klog.V(requestLogLevel).Enabled() {
		return c
	}
	return loggedHTTP{c}
}

func (l loggedHTTP) Do(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := l.next.Do(req)
	what := req.Method + " https://" + req.URL.Host + req.URL.Path
	if op := awsmiddleware.GetOperationName(req.Context()); op != "" {
		what = awsmiddleware.GetServiceID(req.Context()) + " " + op
	}
	status := "failed" // the error may quote the URL: it is not logged
	if err == nil {
		status = resp.Status
	}
	klog.V(requestLogLevel).Infof("AWS %s %s in %d milliseconds", what, status, time.Since(start).Milliseconds())
	return resp, err
}

// logExec logs at requestLogLevel how long an exec plugin ran.
func logExec(command string, start time.Time) {
	klog.V(requestLogLevel).Infof("exec plugin %s ran in %d milliseconds", command, time.Since(start).Milliseconds())
}
