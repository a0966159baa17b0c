package fetcher

import (
	"fmt"
	"net/http"
	"net/textproto"
	"os"
	"strings"
)

// HeadersEnv names the environment variable with extra HTTP request
// headers, one "Name: value" per line, for artifact repositories that want
// a token. Set it from a Secret (env valueFrom) so the token stays out of
// the FlinkDeployment.
const HeadersEnv = "FETCH_HTTP_HEADERS"

// headersFromEnv reads HeadersEnv. Errors never show a value.
func headersFromEnv() (http.Header, error) {
	raw := os.Getenv(HeadersEnv)
	if strings.TrimSpace(raw) == "" {
		return nil, nil
	}
	headers := http.Header{}
	for i, line := range strings.Split(raw, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		name = strings.TrimSpace(name)
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			return nil, fmt.Errorf("%s line %d: must be \"Name: value\"", HeadersEnv, i+1)
		}
		headers.Add(textproto.CanonicalMIMEHeaderKey(name), strings.TrimSpace(value))
	}
	return headers, nil
}
