package fetcher

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"

	"github.com/flinkops/flink-operator/fetcher/artifact"
	"github.com/flinkops/flink-operator/fetcher/httpfetch"
)

// Cloud Storage is read through its JSON API's media download (objects.get
// with alt=media): one authenticated GET. The official client library
// would do the same but adds about 30 MB of gRPC and telemetry to the
// operator binary.

// EmulatorEnv names a Cloud Storage emulator (host:port or a URL), as the
// official client libraries read it; requests then go there without
// credentials.
const EmulatorEnv = "STORAGE_EMULATOR_HOST"

// gcsReadScope is the narrowest scope that reads objects.
const gcsReadScope = "https://www.googleapis.com/auth/devstorage.read_only"

// gcsEndpoint is Cloud Storage's API; a variable so tests can point the
// credentialed path at a local server.
var gcsEndpoint = "https://storage.googleapis.com"

func openGCS(ctx context.Context, ref *artifact.Ref, o Options) (*httpfetch.Download, error) {
	base := gcsEndpoint
	client := httpfetch.NewClient(httpfetch.ClientOptions{RootCAs: o.RootCAs, AllowLoopback: true})
	if host := os.Getenv(EmulatorEnv); host != "" {
		base = host
		if !strings.Contains(host, "://") {
			base = "http://" + host
		}
	} else {
		// Application default credentials: GOOGLE_APPLICATION_CREDENTIALS
		// (a key or workload identity federation file), gcloud's file,
		// then the metadata server (GKE Workload Identity).
		tokens, err := google.DefaultTokenSource(ctx, gcsReadScope)
		if err != nil {
			return nil, fmt.Errorf("find Google application default credentials: %w", err)
		}
		client.Transport = &oauth2.Transport{Source: tokens, Base: client.Transport}
	}
	target := strings.TrimSuffix(base, "/") + "/storage/v1/b/" + url.PathEscape(ref.Bucket) + "/o/" + url.PathEscape(ref.Key) + "?alt=media"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", httpfetch.RedactURLError(err))
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, httpfetch.RedactURLError(err)
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		return nil, gcsStatusError(resp)
	}
	return &httpfetch.Download{Body: resp.Body, Size: resp.ContentLength}, nil
}

// gcsStatusError adds the API's own message (JSON error body), which says
// which permission is missing; Cloud Storage error bodies carry no secrets.
func gcsStatusError(resp *http.Response) error {
	var body struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	err := httpfetch.StatusError(resp, "application default credentials; they need storage.objects.get on the object")
	if json.Unmarshal(raw, &body) == nil && body.Error.Message != "" {
		msg := body.Error.Message
		if len(msg) > 300 {
			msg = msg[:300] + "..."
		}
		return fmt.Errorf("%w: %s", err, msg)
	}
	return err
}
