package validation

import (
	"errors"
	"net/url"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/flinkops/flink-operator/fetcher/artifact"
)

// Job jar URI schemes. local:// and file:// name a file already in the
// image; the others name an artifact fetched before Flink starts.
var (
	imageJarSchemes   = []string{"local", "file"}
	fetchedJarSchemes = []string{"https", "s3", "gs"}
)

// FetchedJarSchemes are the remote jar schemes the operator fetches
// (http aside, which --allow-http-artifacts adds); Options.Schemes picks
// from them.
func FetchedJarSchemes() []string { return append([]string(nil), fetchedJarSchemes...) }

// JarURISchemes lists the schemes spec.job.jarURI may use under opts, in the
// order messages show them.
func JarURISchemes(opts Options) []string {
	out := append([]string{}, imageJarSchemes...)
	for _, s := range fetchedJarSchemes {
		if opts.Schemes == nil || contains(opts.Schemes, s) {
			out = append(out, s)
		}
	}
	if opts.AllowHTTPArtifacts {
		out = append(out, "http")
	}
	return out
}

// validateJarURI checks that the job jar is somewhere the cluster can read
// it from: in the image, or at a URI the artifact fetcher supports. Errors
// show the URI as artifact.Redact does: a pre-signed URL's signature and
// any user info must not reach status, events or logs.
func validateJarURI(path *field.Path, uri string, opts Options) *field.Error {
	return validateJarURIIn(path, uri, opts, JarURISchemes(opts))
}

// validateJarURIIn is validateJarURI with the schemes allowed where the
// jar is used: all of JarURISchemes for an application, those fetched for a
// session job.
func validateJarURIIn(path *field.Path, uri string, opts Options, schemes []string) *field.Error {
	shown := artifact.Redact(uri)
	allowed := "allowed: " + schemeList(schemes)
	u, err := url.Parse(uri)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return field.Invalid(path, shown, "is not a URI ("+err.Error()+"); for example local:///opt/flink/usrlib/job.jar")
	}
	switch scheme := u.Scheme; {
	case scheme == "":
		return field.Invalid(path, shown, "needs a scheme, for example local:///opt/flink/usrlib/job.jar for a jar in the image; "+allowed)
	case scheme == "http" && !opts.AllowHTTPArtifacts:
		return field.Invalid(path, shown, "http:// is not allowed by this operator (a jar fetched without TLS can be replaced on the way): use https://, or run the operator with --allow-http-artifacts; "+allowed)
	case contains(fetchedJarSchemes, scheme) && !contains(schemes, scheme):
		return field.Invalid(path, shown, scheme+":// is not allowed by this operator (--artifact-schemes); "+allowed)
	case !contains(schemes, scheme):
		return field.Invalid(path, shown, "the scheme "+scheme+":// is not supported; "+allowed)
	case u.User != nil:
		return field.Invalid(path, shown, "must not hold credentials (they would be copied into the cluster's configuration); give the fetcher credentials through a Secret in the pod template")
	case contains(imageJarSchemes, scheme):
		if u.Host != "" || !strings.HasPrefix(u.Path, "/") || strings.HasSuffix(u.Path, "/") {
			return field.Invalid(path, shown, "must name a file in the image by its absolute path, with three slashes: "+scheme+":///opt/flink/usrlib/job.jar")
		}
	default:
		if u.Host == "" {
			return field.Invalid(path, shown, "needs a host (https) or bucket (s3, gs), for example "+scheme+"://bucket/jobs/job.jar")
		}
		if u.Path == "" || strings.HasSuffix(u.Path, "/") {
			folder := strings.TrimSuffix(u.Path, "/") + "/"
			return field.Invalid(path, shown, "must name a file, not a folder, for example "+scheme+"://"+u.Host+folder+"job.jar")
		}
	}
	return nil
}

// schemeList writes schemes as local://, file://, ...
func schemeList(schemes []string) string {
	parts := make([]string, len(schemes))
	for i, s := range schemes {
		parts[i] = s + "://"
	}
	return strings.Join(parts, ", ")
}

// ParseArtifactSchemes reads --artifact-schemes: a comma-separated subset
// of FetchedJarSchemes ("https,s3" say); "" accepts no remote jar at all.
// http is the business of --allow-http-artifacts.
func ParseArtifactSchemes(s string) ([]string, error) {
	out := []string{}
	for _, part := range strings.Split(s, ",") {
		scheme := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(part), "://"))
		switch {
		case scheme == "":
			continue
		case scheme == "http":
			return nil, errors.New("http: use --allow-http-artifacts, which adds http to these; allowed: " + strings.Join(fetchedJarSchemes, ", "))
		case !contains(fetchedJarSchemes, scheme):
			return nil, errors.New(scheme + ": not a scheme the operator fetches; allowed: " + strings.Join(fetchedJarSchemes, ", "))
		case !contains(out, scheme):
			out = append(out, scheme)
		}
	}
	return out, nil
}

// CheckArtifactMirrors checks --artifact-mirror against the operator's
// other artifact settings: what a mirror serves from is fetched, so its TO
// must be a scheme opts accepts (--artifact-schemes; http only with
// --allow-http-artifacts). A user's jarURI is validated as written; the
// mirror is the operator's choice of where to fetch it.
func CheckArtifactMirrors(ms artifact.Mirrors, opts Options) error {
	schemes := JarURISchemes(opts)
	for _, m := range ms {
		switch scheme := m.Scheme(); {
		case scheme == "http" && !opts.AllowHTTPArtifacts:
			return errors.New("--artifact-mirror " + artifact.Redact(m.From) + "=" + artifact.Redact(m.To) + ": an http:// mirror needs --allow-http-artifacts (a jar fetched without TLS can be replaced on the way)")
		case !contains(schemes, scheme):
			return errors.New("--artifact-mirror " + artifact.Redact(m.From) + "=" + artifact.Redact(m.To) + ": " + scheme + ":// is not in --artifact-schemes; allowed: " + schemeList(schemes[len(imageJarSchemes):]))
		}
	}
	return nil
}
