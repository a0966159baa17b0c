package flinkrest

import (
	"fmt"
	"io"
	"mime/multipart"
	"net/textproto"
	"strings"
)

// upload is one file sent as multipart/form-data, the way Flink's web
// submission expects a jar: one part, whose file name Flink keeps in the
// jar id.
type upload struct {
	field    string // form field name; Flink takes any, curl examples use jarfile
	filename string
	mime     string
	content  io.Reader
}

// stream returns the multipart body as a reader fed by a goroutine, so a
// jar of hundreds of megabytes is never held in memory, its content type,
// and done, which the caller runs once the request is over to stop the
// goroutine if the server stopped reading early.
func (u *upload) stream() (io.Reader, string, func()) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, u.field, u.filename))
		h.Set("Content-Type", u.mime)
		part, err := mw.CreatePart(h)
		if err == nil {
			_, err = io.Copy(part, u.content)
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	return pr, mw.FormDataContentType(), func() { pr.CloseWithError(io.ErrClosedPipe) }
}

// jarFileName checks the name a jar is uploaded under: Flink refuses
// names that do not end in .jar ("Only Jar files are allowed."), and the
// name becomes part of the jar id, a path segment of /jars/:jarid.
func jarFileName(name string) error {
	switch {
	case !strings.HasSuffix(name, ".jar") || name == ".jar":
		return fmt.Errorf("jar file name %q must end in .jar: Flink refuses other uploads", name)
	case strings.ContainsAny(name, "/\\\"") || strings.TrimSpace(name) != name || strings.IndexFunc(name, notPrintableASCII) >= 0:
		return fmt.Errorf("jar file name %q must be a plain file name: printable ASCII, no slashes or quotes, no surrounding spaces", name)
	}
	return nil
}

// notPrintableASCII: the multipart header carries the name as is, and
// Flink would keep an escaped non-ASCII name literally.
func notPrintableASCII(r rune) bool { return r < 0x20 || r > 0x7e }
