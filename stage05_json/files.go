package main

// The file routes, as in CodeCrafters' challenge: GET /files/*path serves
// a file from the directory given with --directory, and POST /files/:name
// stores the request's body there. They are the first routes whose
// parameters reach the file system, which makes that directory a security
// boundary: no request may read or write anything outside it, however
// its path is spelled. "Path traversal" in docs/04-params.md explains
// each defence below.

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// filesDir is the directory the file routes serve: absolute, with every
// symlink on the way to it resolved, so that a path inside it starts with
// it. It is "" when the server was started without --directory, and then
// the file routes answer 404. Routes register before main parses the
// flags, so main sets this variable, once, before serving; the handlers
// only read it.
var filesDir string

// maxFileBytes bounds the file GET serves. A response is a []byte in
// memory in this server, so some bound is needed; it is 8 MiB, what the
// parser held of a request's body until this stage lowered MaxBodyBytes to
// 1 MiB for the JSON API. Files keep the larger limit: serving one is a
// copy, not a decoding.
const maxFileBytes = 8 << 20

// The answers of the file routes that are not 200 or 201. A missing file
// and a symlink that leads out of the directory get the same 404, with the
// same body: the client learns nothing about what lies outside.
var (
	errNoFile       = &StatusError{404, "no such file"}
	errFileDenied   = &StatusError{403, "permission denied"}
	errIsDir        = &StatusError{409, "a directory of that name exists"}
	errFileTooLarge = &StatusError{500, "file too large for this server"}
)

// badName is the 400 for a file name refused by its spelling alone.
func badName(why string) error {
	return &StatusError{400, "bad file name: " + why}
}

// resolveDir turns --directory into filesDir's form: absolute, symlinks
// resolved, and checked to be a directory, once, at start-up. "" stays "".
func resolveDir(dir string) (string, error) {
	if dir == "" {
		return "", nil
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return "", err
	}
	fi, err := os.Stat(real)
	if err != nil {
		return "", err
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("%s is not a directory", dir)
	}
	return real, nil
}

var _ = app.GET("/files/*path", getFile)

// getFile answers the file at *path below filesDir, as
// application/octet-stream. The path may name a file in a subdirectory.
func getFile(req *Request) *Response {
	if filesDir == "" {
		return fileError(req, errNoFile)
	}
	data, err := readInside(filesDir, req.Params.Get("path"))
	if err != nil {
		return fileError(req, err)
	}
	// Set even for an empty file, which Write would leave untyped.
	return &Response{Status: 200, Header: Header{{Name: "Content-Type", Value: "application/octet-stream"}}, Body: data}
}

var _ = app.POST("/files/:name", postFile)

// postFile stores the request's body, as it arrives, as the file :name in
// filesDir, and answers 201 Created. :name is one segment, so a file is
// only ever created at the top of the directory. A body that breaks off
// leaves nothing stored, and the serve loop answers its fault itself.
func postFile(req *Request) *Response {
	if filesDir == "" {
		return fileError(req, errNoFile)
	}
	if err := writeInside(filesDir, req.Params.Get("name"), req.BodyReader()); err != nil {
		return fileError(req, err)
	}
	return &Response{Status: 201}
}

// fileError turns an error of readInside or writeInside into a JSON error
// response: a *StatusError into its status and message, and anything else,
// a failure of the file system, into a 500 whose details stay in the log.
func fileError(req *Request, err error) *Response {
	var se *StatusError
	if !errors.As(err, &se) {
		log.Printf("%s %s: %v", req.Method, req.Path, err)
		return jsonResponse(errorJSON(500, "internal server error"))
	}
	return statusErrorJSON(se)
}

// checkName refuses a file name that could leave the directory by its
// spelling alone, before the file system is asked anything. name is a
// parameter, so it is already percent-decoded: "%2e%2e%2f" arrives here as
// "../", and "%00" as a NUL byte.
func checkName(name string) error {
	if strings.IndexByte(name, 0) >= 0 {
		// The system calls take C strings, which end at the first NUL:
		// "secret%00.png" would open "secret". Go's os package refuses
		// such names too, but not every language's library does.
		return badName("it holds a NUL byte")
	}
	if strings.HasPrefix(name, "/") || filepath.IsAbs(name) {
		// filepath.Join would keep it inside, but it is never meant well.
		return badName("it is an absolute path")
	}
	for _, elem := range strings.FieldsFunc(name, isSlash) {
		if elem == ".." {
			return badName("it has a .. segment")
		}
	}
	return nil
}

// isSlash reports whether r separates the elements of a file path: '/',
// and on Windows '\' too.
func isSlash(r rune) bool {
	return r == '/' || r == filepath.Separator
}

// readInside reads the regular file called name below root, a directory
// as resolveDir returns it. name is a slash-separated relative path.
//
// Symlinks are followed, but only to files inside root: after
// checkName, EvalSymlinks resolves every link on the way, and the result
// must still start with root. The check and the open are two steps, so a
// process that can write in the directory could swap a checked path for
// a link between them (a TOCTOU race); openat2 with RESOLVE_BENEATH, or
// Go 1.24's os.Root, closes that gap, and neither is available at this
// module's go 1.22. Against a client, which can only send names, the two
// steps are enough.
func readInside(root, name string) ([]byte, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	if name == "" || strings.HasSuffix(name, "/") {
		return nil, errNoFile // the name of a directory: no listings here
	}
	if !filepath.IsLocal(filepath.FromSlash(name)) {
		// What is left on Windows: reserved names such as NUL or COM1.
		return nil, badName("it is not a plain relative path")
	}
	real, err := filepath.EvalSymlinks(filepath.Join(root, filepath.FromSlash(name)))
	if err != nil {
		if errors.Is(err, fs.ErrPermission) {
			return nil, errFileDenied
		}
		return nil, errNoFile // missing, a file used as a directory, a link loop
	}
	if !within(root, real) {
		return nil, errNoFile // a symlink that leads out
	}
	// Stat before opening: opening a FIFO for reading would wait for a
	// writer, and a device could be endless.
	fi, err := os.Stat(real)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, errNoFile
	}
	if fi.Size() > maxFileBytes {
		return nil, errFileTooLarge
	}
	f, err := os.Open(real)
	if err != nil {
		if errors.Is(err, fs.ErrPermission) {
			return nil, errFileDenied
		}
		return nil, err
	}
	defer f.Close()
	// The file may have grown since Stat: read one byte more than allowed
	// to find out.
	data, err := io.ReadAll(io.LimitReader(f, maxFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxFileBytes {
		return nil, errFileTooLarge
	}
	return data, nil
}

// within reports whether path, cleaned and absolute, is root or below it.
// Comparing strings would say that /srv/files-old is below /srv/files, so
// root is compared with its separator; root "/" already ends in one.
func within(root, path string) bool {
	prefix := root
	if !strings.HasSuffix(prefix, string(filepath.Separator)) {
		prefix += string(filepath.Separator)
	}
	return path == root || strings.HasPrefix(path, prefix)
}

// writeInside stores body as the file name in root, a directory as
// resolveDir returns it. name must be a plain file name: one element,
// which :name guarantees before decoding, and checkName and the slash
// test guarantee after it.
//
// The file is created or replaced atomically by writeAtomic. A symlink of
// that name is replaced, never written through: rename(2) replaces the
// directory entry itself, so a link pointing outside cannot carry the
// write out of the directory. A directory of that name is a 409 Conflict.
func writeInside(root, name string, body io.Reader) error {
	if err := checkName(name); err != nil {
		return err
	}
	switch {
	case name == "" || name == ".":
		return badName("it names no file")
	case strings.IndexFunc(name, isSlash) >= 0:
		// "..%2Fx" was one segment to the router; decoded, it is a path.
		return badName("it holds a slash")
	case !filepath.IsLocal(name):
		return badName("it is not a plain file name")
	}
	path := filepath.Join(root, name)
	if fi, err := os.Lstat(path); err == nil && fi.IsDir() {
		return errIsDir
	}
	return writeAtomic(root, name, func(w io.Writer) error {
		_, err := io.Copy(w, body)
		return err
	})
}

// writeAtomic creates or replaces the file name in dir with what write
// writes, so that the file is either as it was or complete, never half
// written. write writes into a temporary file in the same directory;
// only when it succeeded, and the data is on disk (Sync), does
// os.Rename put the file in place, in one step: rename(2) within one file
// system is atomic, so a reader sees the old file or the new one. If
// anything fails, the temporary file is removed and name is untouched.
//
// This guards against failures while writing: a full disk, an I/O error,
// a crash or a power cut half way, and a client that stops in the middle
// of its body, which postFile reads as it arrives. Only a crash can leave
// a temporary file behind; its name starts with ".upload-".
func writeAtomic(dir, name string, write func(io.Writer) error) (err error) {
	tmp, err := os.CreateTemp(dir, ".upload-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := write(tmp); err != nil {
		return err
	}
	// CreateTemp makes the file readable by its owner only; a stored file
	// gets the mode os.WriteFile would usually give it.
	if err := tmp.Chmod(0o644); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	err = os.Rename(tmp.Name(), filepath.Join(dir, name))
	if errors.Is(err, syscall.EISDIR) || errors.Is(err, syscall.EEXIST) {
		return errIsDir // a directory appeared since writeInside looked
	}
	return err
}
