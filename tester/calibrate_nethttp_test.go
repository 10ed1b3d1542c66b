package main

import (
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
)

// This file is a calibration server: the routes of stages 2 to 5 written on
// Go's net/http the way a Go programmer would write them from the cards,
// with nothing tailored to the tester. Whatever it does that the RFCs allow,
// the tester must accept (house rule 3); calibrate_test.go lists the
// warnings it gets.

// netHTTPServer returns the handler for one stage: stage 4 adds the text
// user routes and the files, stage 5 replaces the user routes by the JSON
// resource and adds JSON errors and gzip, and the API middleware that api
// turns on (calibrate_nethttp_api_test.go).
func netHTTPServer(stage int, dir string, api apiSettings) (http.Handler, error) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("GET /echo/{str}", func(w http.ResponseWriter, r *http.Request) {
		text(w, r.PathValue("str"))
	})
	mux.HandleFunc("GET /user-agent", func(w http.ResponseWriter, r *http.Request) {
		text(w, r.UserAgent())
	})
	if stage == 4 {
		mux.HandleFunc("GET /users/me", func(w http.ResponseWriter, r *http.Request) { text(w, "current user") })
		mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) { text(w, "user "+r.PathValue("id")) })
		mux.HandleFunc("GET /users/{id}/posts/{post}", func(w http.ResponseWriter, r *http.Request) {
			text(w, "post "+r.PathValue("post")+" of user "+r.PathValue("id"))
		})
	}
	if stage >= 4 {
		root, err := os.OpenRoot(dir)
		if err != nil {
			return nil, err
		}
		fs := fileServer{root}
		mux.HandleFunc("GET /files/{path...}", fs.get)
		mux.HandleFunc("POST /files/{name}", fs.post)
	}
	var h http.Handler = mux
	if stage >= 5 {
		users := &userStore{next: 1, events: newEventHub()}
		mux.HandleFunc("GET /events", users.events.serve)
		mux.HandleFunc("GET /users", users.list)
		mux.HandleFunc("POST /users", api.guard(users.create))
		mux.HandleFunc("GET /users/{id}", users.get)
		mux.HandleFunc("PUT /users/{id}", api.guard(users.update))
		mux.HandleFunc("DELETE /users/{id}", api.guard(users.remove))
		h = compressed(api.problemDetails(asJSONErrors(mux)))
	}
	return api.wrap(allowOptions(mux, h)), nil
}

func text(w http.ResponseWriter, s string) {
	w.Header().Set("Content-Type", "text/plain")
	io.WriteString(w, s)
}

// allowOptions answers OPTIONS on a path that has a GET route.
func allowOptions(mux *http.ServeMux, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions {
			probe := r.Clone(r.Context())
			probe.Method = http.MethodGet
			if _, pattern := mux.Handler(probe); pattern != "" {
				w.Header().Set("Allow", "GET, HEAD, OPTIONS")
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

type fileServer struct{ root *os.Root }

func (fs fileServer) get(w http.ResponseWriter, r *http.Request) {
	f, err := fs.root.Open(r.PathValue("path"))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || info.IsDir() {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	http.ServeContent(w, r, info.Name(), info.ModTime(), f)
}

func (fs fileServer) post(w http.ResponseWriter, r *http.Request) {
	f, err := fs.root.Create(r.PathValue("name"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	defer f.Close()
	if _, err := io.Copy(f, r.Body); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusCreated)
}

// asJSONErrors answers the mux's own 404 and 405 in JSON, keeping Allow.
func asJSONErrors(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, r)
		if allow := rec.Header().Get("Allow"); allow != "" {
			w.Header().Set("Allow", allow)
		}
		writeError(w, rec.Code, http.StatusText(rec.Code))
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

type account struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

type userStore struct {
	mu     sync.Mutex
	next   int
	users  []account // in id order
	events *eventHub
}

const maxBody = 1 << 20

// decodeName reads {"name": "..."} strictly.
func decodeName(w http.ResponseWriter, r *http.Request) (string, bool) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, "Content-Type must be application/json")
		return "", false
	}
	if r.ContentLength > maxBody {
		writeError(w, http.StatusRequestEntityTooLarge, "request body too large")
		return "", false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	var in struct {
		Name *string `json:"name"`
	}
	if err := dec.Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return "", false
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		writeError(w, http.StatusBadRequest, "unexpected data after the object")
		return "", false
	}
	if in.Name == nil || strings.TrimSpace(*in.Name) == "" {
		writeError(w, http.StatusBadRequest, "name must be a non-blank string")
		return "", false
	}
	return *in.Name, true
}

func (s *userStore) create(w http.ResponseWriter, r *http.Request) {
	name, ok := decodeName(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	u := account{ID: s.next, Name: name}
	s.next++
	s.users = append(s.users, u)
	s.events.publish("user.created", u)
	s.mu.Unlock()
	w.Header().Set("Location", "/users/"+strconv.Itoa(u.ID))
	writeJSON(w, http.StatusCreated, u)
}

func (s *userStore) list(w http.ResponseWriter, r *http.Request) {
	limit, offset := 100, 0
	q := r.URL.Query()
	var err error
	if v := q.Get("limit"); q.Has("limit") {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 1000 {
			writeError(w, http.StatusBadRequest, "limit must be an integer from 1 to 1000")
			return
		}
	}
	if v := q.Get("offset"); q.Has("offset") {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 {
			writeError(w, http.StatusBadRequest, "offset must be a non-negative integer")
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	page := []account{}
	if offset < len(s.users) {
		page = append(page, s.users[offset:min(offset+limit, len(s.users))]...)
	}
	writeJSON(w, http.StatusOK, page)
}

// withUser runs fn, with the store locked, on the index of the user the
// path names, or answers 404 when there is no such user.
func (s *userStore) withUser(w http.ResponseWriter, r *http.Request, fn func(i int)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, err := strconv.Atoi(r.PathValue("id"))
	if err == nil && id > 0 && strconv.Itoa(id) == r.PathValue("id") {
		for i, u := range s.users {
			if u.ID == id {
				fn(i)
				return
			}
		}
	}
	writeError(w, http.StatusNotFound, "no such user")
}

func (s *userStore) get(w http.ResponseWriter, r *http.Request) {
	s.withUser(w, r, func(i int) { writeJSON(w, http.StatusOK, s.users[i]) })
}

func (s *userStore) update(w http.ResponseWriter, r *http.Request) {
	if name, ok := decodeName(w, r); ok {
		s.withUser(w, r, func(i int) {
			s.users[i].Name = name
			s.events.publish("user.updated", s.users[i])
			writeJSON(w, http.StatusOK, s.users[i])
		})
	}
}

func (s *userStore) remove(w http.ResponseWriter, r *http.Request) {
	s.withUser(w, r, func(i int) {
		s.events.publish("user.deleted", map[string]int{"id": s.users[i].ID})
		s.users = append(s.users[:i], s.users[i+1:]...)
		w.WriteHeader(http.StatusNoContent)
	})
}

// compressed compresses text and JSON bodies for clients that accept gzip.
func compressed(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Accept-Encoding")
		if !acceptsGzip(r.Header.Get("Accept-Encoding")) {
			next.ServeHTTP(w, r)
			return
		}
		gw := &gzipWriter{ResponseWriter: w}
		defer gw.Close()
		next.ServeHTTP(gw, r)
	})
}

// acceptsGzip reads Accept-Encoding: codings with optional q-values.
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		coding = strings.TrimSpace(coding)
		if !strings.EqualFold(coding, "gzip") && coding != "*" {
			continue
		}
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			q, _ = strconv.ParseFloat(v, 64)
		}
		return q > 0
	}
	return false
}

type gzipWriter struct {
	http.ResponseWriter
	zw          *gzip.Writer
	wroteHeader bool
}

func (g *gzipWriter) WriteHeader(code int) {
	g.wroteHeader = true
	h := g.Header()
	mt, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	if code != http.StatusNoContent && (strings.HasPrefix(mt, "text/") || mt == "application/json") {
		h.Set("Content-Encoding", "gzip")
		h.Del("Content-Length")
		g.zw = gzip.NewWriter(g.ResponseWriter)
	}
	g.ResponseWriter.WriteHeader(code)
}

func (g *gzipWriter) Write(b []byte) (int, error) {
	if !g.wroteHeader {
		g.WriteHeader(http.StatusOK)
	}
	if g.zw == nil {
		return g.ResponseWriter.Write(b)
	}
	return g.zw.Write(b)
}

// Flush sends what the compressor holds, for a handler that streams.
func (g *gzipWriter) Flush() {
	if g.zw != nil {
		g.zw.Flush()
	}
	if f, ok := g.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (g *gzipWriter) Close() error {
	if g.zw == nil {
		return nil
	}
	return g.zw.Close()
}
