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
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"unicode"
	"unicode/utf8"
)

// filesRoot is the directory the file routes serve, open as an os.Root:
// every file they open, they open beneath it, and the file system refuses
// any way out of it (see openInside). It is nil when the server was
// started without --directory, and then the file routes answer 404.
// Routes register before main parses the flags, so main sets this
// variable, once, before serving; the handlers only read it.
var filesRoot *os.Root

// The answers of the file routes that are not 200 or 201. A missing file
// and a symlink that leads out of the directory get the same 404, with no
// body: the client learns nothing about what lies outside.
var (
	errNoFile     = &StatusError{404, "no such file"}
	errFileDenied = &StatusError{403, "permission denied"}
	errIsDir      = &StatusError{409, "a directory of that name exists"}
)

// badName is the 400 for a file name refused by its spelling alone.
func badName(why string) error {
	return &StatusError{400, "bad file name: " + why}
}

// openDir opens --directory as filesRoot, once, at start-up; "" gives
// nil. The path is made absolute, with every symlink on the way resolved,
// so that the log names the directory really served.
func openDir(dir string) (*os.Root, error) {
	if dir == "" {
		return nil, nil
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, err
	}
	return os.OpenRoot(real)
}

var _ = app.GET("/files/*path", getFile)

// getFile answers the file at *path below filesRoot, as
// application/octet-stream. The path may name a file in a subdirectory.
func getFile(req *Request) *Response {
	if filesRoot == nil {
		return &Response{Status: 404}
	}
	f, size, err := openInside(filesRoot, req.Params.Get("path"))
	if err != nil {
		return fileError(req, err)
	}
	// Set even for an empty file, which Write would leave untyped.
	return &Response{Status: 200, Header: Header{{Name: "Content-Type", Value: "application/octet-stream"}}, Stream: f, StreamSize: size}
}

var _ = app.POST("/files/:name", postFile)

// postFile stores the request's body, as it arrives, as the file :name in
// filesRoot, and answers 201 Created. :name is one segment, so a file is
// only ever created at the top of the directory. A body that breaks off
// leaves nothing stored, and the serve loop answers its fault itself.
func postFile(req *Request) *Response {
	if filesRoot == nil {
		return &Response{Status: 404}
	}
	if err := writeInside(filesRoot, req.Params.Get("name"), req.BodyReader()); err != nil {
		return fileError(req, err)
	}
	return &Response{Status: 201}
}

// fileError turns an error of openInside or writeInside into a response:
// a *StatusError into its status, with its message as the body but for
// 404, and anything else, a failure of the file system, into a 500 whose
// details stay in the log.
func fileError(req *Request, err error) *Response {
	var se *StatusError
	if !errors.As(err, &se) {
		log.Printf("%s %s: %v", req.Method, req.Path, err)
		return textResponse(500, "internal server error\n")
	}
	if se.Status == 404 {
		return &Response{Status: 404}
	}
	return textResponse(se.Status, se.Msg+"\n")
}

// checkName refuses a file name by its spelling alone, before the file
// system is asked anything. name is a parameter, so it is already
// percent-decoded: "%2e%2e%2f" arrives here as "../", and "%00" as a NUL
// byte.
//
// Three rules keep names to what a person would write. A name must be
// valid UTF-8 and hold no control character: a newline or an escape in a
// file name breaks every log line and listing that shows it, and bytes no
// encoding can show come from a client probing, not a person naming a
// file. And no part of it may start with a dot: that refuses "..", which
// would climb out, hidden files such as .env or .git, and the temporary
// files of uploads in progress, which writeAtomic names ".upload-" so that
// no request can reach one half written.
func checkName(name string) error {
	switch {
	case strings.IndexByte(name, 0) >= 0:
		// The system calls take C strings, which end at the first NUL:
		// "secret%00.png" would open "secret". Go's os package refuses
		// such names too, but not every language's library does.
		return badName("it holds a NUL byte")
	case strings.HasPrefix(name, "/") || filepath.IsAbs(name):
		// A Root refuses it too, but it is never meant well.
		return badName("it is an absolute path")
	case !utf8.ValidString(name):
		return badName("it is not valid UTF-8")
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return badName("it holds a control character")
	}
	for _, elem := range strings.FieldsFunc(name, isSlash) {
		if elem == ".." {
			return badName("it has a .. segment")
		}
		if strings.HasPrefix(elem, ".") {
			return badName("a part of it starts with a dot")
		}
	}
	return nil
}

// isSlash reports whether r separates the elements of a file path: '/',
// and on Windows '\' too.
func isSlash(r rune) bool {
	return r == '/' || r == filepath.Separator
}

// openInside opens the regular file called name below root, and returns
// it with its size, for the serve loop to send as the client takes it: a
// file of any size costs the server no memory. name is a slash-separated
// relative path.
//
// The file is opened through root, which resolves the path one element
// at a time from the directory itself, as openat(2) does, and refuses to
// leave it: a ".." that climbs out, an absolute symlink, or a relative one
// that leads out. Symlinks that stay inside are followed. Checking a path
// and then opening it, as a first version of this function did, is two
// steps, and a process that can write in the directory can swap a checked
// file for a symlink between them (a TOCTOU race): swapping files/swap
// between a file and a link to ../secret.txt while a client asked for it
// over and over, the secret came back once in every few hundred answers.
// With one open, there is nothing to swap between.
//
// The file is opened without blocking, because opening a FIFO for reading
// waits for a writer; what it is, the open file then says (Stat on a file
// descriptor, which no swap can change).
func openInside(root *os.Root, name string) (*os.File, int64, error) {
	if err := checkName(name); err != nil {
		return nil, 0, err
	}
	if name == "" || strings.HasSuffix(name, "/") {
		return nil, 0, errNoFile // the name of a directory: no listings here
	}
	if !filepath.IsLocal(filepath.FromSlash(name)) {
		// What is left on Windows: reserved names such as NUL or COM1.
		return nil, 0, badName("it is not a plain relative path")
	}
	f, err := root.OpenFile(filepath.FromSlash(name), os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, 0, openError(err)
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = errNoFile // a directory, a FIFO, a device
	}
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, fi.Size(), nil
}

// openError turns a failure to open a name beneath the root into the
// answer it deserves. A name too long for the file system is the client's
// to shorten (400), and a permission the server lacks is 403. Anything
// else, a missing file, a file used as a directory, a symlink that leads
// out of the root or round in a loop, is the same 404, so that a client
// learns nothing about what lies outside.
func openError(err error) error {
	switch {
	case errors.Is(err, syscall.ENAMETOOLONG):
		return badName("it is too long for the file system")
	case errors.Is(err, fs.ErrPermission):
		return errFileDenied
	}
	return errNoFile
}

// writeInside stores body as the file name in root. name must be a plain
// file name: one element, which :name guarantees before decoding, and
// checkName and the slash test guarantee after it.
//
// The file is created or replaced atomically by writeAtomic. A symlink of
// that name is replaced, never written through: rename(2) replaces the
// directory entry itself, so a link pointing outside cannot carry the
// write out of the directory. A directory of that name is a 409 Conflict,
// and a name too long for the file system a 400, both found before a
// byte of the body is read.
func writeInside(root *os.Root, name string, body io.Reader) error {
	if err := checkName(name); err != nil {
		return err
	}
	switch {
	case name == "":
		return badName("it names no file")
	case strings.IndexFunc(name, isSlash) >= 0:
		// "..%2Fx" was one segment to the router; decoded, it is a path.
		return badName("it holds a slash")
	case !filepath.IsLocal(name):
		return badName("it is not a plain file name")
	}
	switch fi, err := root.Lstat(name); {
	case err == nil && fi.IsDir():
		return errIsDir
	case errors.Is(err, syscall.ENAMETOOLONG):
		return badName("it is too long for the file system")
	}
	return writeAtomic(root, name, func(w io.Writer) error {
		_, err := io.Copy(w, body)
		return err
	})
}

// writeAtomic creates or replaces the file name in root with what write
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
// a temporary file behind; its name starts with ".upload-", so no request
// can name it (see checkName).
//
// The rename goes by path, root's own and then name: Go 1.25's
// Root.Rename would keep it beneath the root, but this module's go 1.24
// has none. name is one element, which rename(2) replaces without
// following, and root's path was resolved when the server started.
func writeAtomic(root *os.Root, name string, write func(io.Writer) error) (err error) {
	tmp, tmpName, err := createTemp(root)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			root.Remove(tmpName)
		}
	}()
	if err := write(tmp); err != nil {
		return err
	}
	// A file is created readable by its owner only; a stored file gets
	// the mode os.WriteFile would usually give it.
	if err := tmp.Chmod(0o644); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	err = os.Rename(filepath.Join(root.Name(), tmpName), filepath.Join(root.Name(), name))
	if errors.Is(err, syscall.EISDIR) || errors.Is(err, syscall.EEXIST) {
		return errIsDir // a directory appeared since writeInside looked
	}
	return err
}

// createTemp creates a new, empty file beneath root, named ".upload-" and
// a random number, and returns it with its name. O_EXCL makes the create
// fail rather than open a file that exists, so two uploads never share
// one, and a symlink planted under the name is never followed.
func createTemp(root *os.Root) (*os.File, string, error) {
	for range 100 {
		name := fmt.Sprintf(".upload-%d", rand.Uint64())
		f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if !errors.Is(err, fs.ErrExist) {
			return f, name, err
		}
	}
	return nil, "", errors.New("create a temporary file: every name tried exists")
}
