package docs

// This file is the worked answer to chapter 3's exercise "A route file",
// which the chapter quotes: a route table loaded from a file of lines such
// as GET:/users@users;index, scanned by hand with a small state machine.
// It lives here, in a test of the docs package, so that go test ./docs
// compiles and tests the code the chapter shows; the reference solutions
// keep their routes in Go.

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// routeDef is one route of a route file, GET:/users@users;index: the
// method, the path, and the controller and action that name its handler,
// with where they are in the file, for the errors found after scanning.
type routeDef struct {
	Method, Path, Controller, Action string
	Line, ControllerCol, ActionCol   int
}

// scanState is where the scanner is in a line. Each delimiter moves it on:
// ':' ends the method, '@' the path, ';' the controller, and the end of
// the line, a space or a '#' the action.
type scanState int

const (
	lineStart    scanState = iota // before the method: spaces, a comment or nothing
	inMethod                      // GET
	inPath                        // /users
	inController                  // users
	inAction                      // index
	afterAction                   // spaces, then a comment or the end
	lineDone                      // the line is read
)

// routeScanner scans one line, a byte at a time. start is where the field
// being read began; def collects the fields as they end.
type routeScanner struct {
	line  string
	state scanState
	start int
	def   routeDef
}

// eol stands for the end of the line, so that each state decides what the
// line may end in.
const eol = '\n'

// scanRouteLine scans one line of a route file. It reports whether the
// line holds a route (a blank line and a comment do not), or the column,
// from 1 and in bytes, where the line first breaks the format, and why.
func scanRouteLine(line string) (routeDef, bool, int, string) {
	s := routeScanner{line: line}
	for i := 0; s.state != lineDone; i++ {
		c := byte(eol)
		if i < len(line) {
			c = line[i]
		}
		if msg := s.step(i, c); msg != "" {
			return routeDef{}, false, i + 1, msg
		}
	}
	return s.def, s.def.Method != "", 0, ""
}

// step feeds the byte c, at index i, to the state the scanner is in, and
// returns what is wrong with it, or "".
func (s *routeScanner) step(i int, c byte) string {
	switch s.state {
	case lineStart:
		return s.lineStart(i, c)
	case inMethod:
		return s.method(i, c)
	case inPath:
		return s.path(i, c)
	case inController:
		return s.name(i, c, ';', &s.def.Controller, inAction, "controller")
	case inAction:
		return s.action(i, c)
	}
	return s.afterAction(i, c)
}

// next ends the field that began at s.start, just before i, and moves to
// state, whose field begins after the delimiter at i.
func (s *routeScanner) next(i int, field *string, state scanState) {
	*field = s.line[s.start:i]
	s.state, s.start = state, i+1
}

func (s *routeScanner) lineStart(i int, c byte) string {
	switch {
	case c == ' ' || c == '\t':
	case c == eol || c == '#':
		s.state = lineDone
	case 'A' <= c && c <= 'Z':
		s.state, s.start = inMethod, i
	default:
		return fmt.Sprintf("expected a method such as GET, found %s", s.shown(i))
	}
	return ""
}

func (s *routeScanner) method(i int, c byte) string {
	switch {
	case 'A' <= c && c <= 'Z':
	case c == ':':
		s.next(i, &s.def.Method, inPath)
	case c == eol:
		return "the line ends in the method: expected ':' and a path"
	default:
		return fmt.Sprintf("unexpected %s in the method: a method is capital letters, such as GET", s.shown(i))
	}
	return ""
}

// path reads the path up to '@'. A ':' is part of it, as in /users/:id:
// only the first ':' of a line ends a field.
func (s *routeScanner) path(i int, c byte) string {
	switch {
	case i == s.start && c != '/':
		return fmt.Sprintf("expected a path starting with '/', found %s", s.shown(i))
	case c == '@':
		s.next(i, &s.def.Path, inController)
		s.def.ControllerCol = i + 2
	case c == eol:
		return "the line ends in the path: expected '@' and a controller"
	case c <= ' ' || c >= 0x7f:
		return fmt.Sprintf("unexpected %s in the path: a path is printable ASCII, without spaces (write %%20)", s.shown(i))
	}
	return ""
}

// name reads a controller or an action: letters, digits and '_', not
// starting with a digit, up to end.
func (s *routeScanner) name(i int, c byte, end byte, field *string, then scanState, what string) string {
	letter := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_'
	switch {
	case letter || '0' <= c && c <= '9' && i > s.start:
	case c == end && i > s.start:
		s.next(i, field, then)
		s.def.ActionCol = i + 2
	case i == s.start:
		return fmt.Sprintf("expected the name of the %s, found %s", what, s.shown(i))
	case c == eol:
		return fmt.Sprintf("the line ends in the %s: expected %q and an action", what, end)
	default:
		return fmt.Sprintf("unexpected %s in the %s: a name is letters, digits and _", s.shown(i), what)
	}
	return ""
}

// action reads the action, which the end of the line, a space or a
// comment ends.
func (s *routeScanner) action(i int, c byte) string {
	if i > s.start && (c == eol || c == ' ' || c == '\t' || c == '#') {
		s.next(i, &s.def.Action, afterAction)
		return s.afterAction(i, c)
	}
	return s.name(i, c, eol, &s.def.Action, afterAction, "action")
}

func (s *routeScanner) afterAction(i int, c byte) string {
	switch c {
	case ' ', '\t':
	case eol, '#':
		s.state = lineDone
	default:
		return fmt.Sprintf("unexpected %s after the action: one route a line, then only a # comment", s.shown(i))
	}
	return ""
}

// shown names the character at i for a message, or the end of the line.
func (s *routeScanner) shown(i int) string {
	if i >= len(s.line) {
		return "the end of the line"
	}
	r, _ := utf8.DecodeRuneInString(s.line[i:])
	return fmt.Sprintf("%q", r)
}

// parseRouteFile reads every route of a route file called name, or stops
// at the first malformed line, with an error of the form
// "routes.txt:3:9: what is wrong", as compilers report.
func parseRouteFile(name, src string) ([]routeDef, error) {
	var defs []routeDef
	seen := map[string]int{}
	for n, line := range strings.Split(src, "\n") {
		def, ok, col, msg := scanRouteLine(strings.TrimSuffix(line, "\r"))
		if msg != "" {
			return nil, fmt.Errorf("%s:%d:%d: %s", name, n+1, col, msg)
		}
		if !ok {
			continue
		}
		key := def.Method + " " + def.Path
		if first, dup := seen[key]; dup {
			return nil, fmt.Errorf("%s:%d:1: %s is already routed, on line %d", name, n+1, key, first)
		}
		seen[key] = n + 1
		def.Line = n + 1
		defs = append(defs, def)
	}
	return defs, nil
}

// bindRoutes hands each route of defs to handle with its handler, found by
// controller and action in controllers. A name no controller has is an
// error at the line and column where the file writes it.
func bindRoutes[H any](name string, defs []routeDef, controllers map[string]map[string]H, handle func(method, path string, h H)) error {
	for _, d := range defs {
		actions, ok := controllers[d.Controller]
		if !ok {
			return fmt.Errorf("%s:%d:%d: no controller %q", name, d.Line, d.ControllerCol, d.Controller)
		}
		h, ok := actions[d.Action]
		if !ok {
			return fmt.Errorf("%s:%d:%d: controller %q has no action %q", name, d.Line, d.ActionCol, d.Controller, d.Action)
		}
		handle(d.Method, d.Path, h)
	}
	return nil
}

// testRoutes is the route file of the tests: stage 4's routes, with a
// comment, a blank line, CRLF and a trailing comment.
const testRoutes = `# the routes of the users resource
GET:/users@users;index
POST:/users@users;create   # needs a token

GET:/users/:id@users;show` + "\r\n" + `GET:/echo/:msg@text;echo
`

func TestParseRouteFile(t *testing.T) {
	defs, err := parseRouteFile("routes.txt", testRoutes)
	require.NoError(t, err)
	assert.Equal(t, []routeDef{
		{Method: "GET", Path: "/users", Controller: "users", Action: "index", Line: 2, ControllerCol: 12, ActionCol: 18},
		{Method: "POST", Path: "/users", Controller: "users", Action: "create", Line: 3, ControllerCol: 13, ActionCol: 19},
		{Method: "GET", Path: "/users/:id", Controller: "users", Action: "show", Line: 5, ControllerCol: 16, ActionCol: 22},
		{Method: "GET", Path: "/echo/:msg", Controller: "text", Action: "echo", Line: 6, ControllerCol: 16, ActionCol: 21},
	}, defs)
}

func TestParseRouteFileErrors(t *testing.T) {
	for line, want := range map[string]string{
		"get:/users@users;index":      `routes.txt:2:1: expected a method such as GET, found 'g'`,
		"GeT:/users@users;index":      `routes.txt:2:2: unexpected 'e' in the method: a method is capital letters, such as GET`,
		"GET":                         `routes.txt:2:4: the line ends in the method: expected ':' and a path`,
		"GET:users@users;index":       `routes.txt:2:5: expected a path starting with '/', found 'u'`,
		"GET:/us ers@users;index":     `routes.txt:2:8: unexpected ' ' in the path: a path is printable ASCII, without spaces (write %20)`,
		"GET:/café@x;y":               `routes.txt:2:9: unexpected 'é' in the path: a path is printable ASCII, without spaces (write %20)`,
		"GET:/users":                  `routes.txt:2:11: the line ends in the path: expected '@' and a controller`,
		"GET:/users@;index":           `routes.txt:2:12: expected the name of the controller, found ';'`,
		"GET:/users@1users;index":     `routes.txt:2:12: expected the name of the controller, found '1'`,
		"GET:/users@users":            `routes.txt:2:17: the line ends in the controller: expected ';' and an action`,
		"GET:/users@us-ers;index":     `routes.txt:2:14: unexpected '-' in the controller: a name is letters, digits and _`,
		"GET:/users@users;":           `routes.txt:2:18: expected the name of the action, found the end of the line`,
		"GET:/users@users;in.dex":     `routes.txt:2:20: unexpected '.' in the action: a name is letters, digits and _`,
		"GET:/users@users;index list": `routes.txt:2:24: unexpected 'l' after the action: one route a line, then only a # comment`,
		"GET:/@root;index":            "",
		"GET:/users@users;show":       `routes.txt:2:1: GET /users is already routed, on line 1`,
	} {
		_, err := parseRouteFile("routes.txt", "GET:/users@users;index\n"+line+"\n")
		if want == "" {
			assert.NoError(t, err, line)
			continue
		}
		assert.EqualError(t, err, want, line)
	}
}

func TestBindRoutes(t *testing.T) {
	defs, err := parseRouteFile("routes.txt", testRoutes)
	require.NoError(t, err)
	controllers := map[string]map[string]string{
		"users": {"index": "list users", "create": "create a user", "show": "show a user"},
		"text":  {"echo": "echo"},
	}
	var got []string
	handle := func(method, path, h string) { got = append(got, method+" "+path+" -> "+h) }
	require.NoError(t, bindRoutes("routes.txt", defs, controllers, handle))
	assert.Equal(t, []string{"GET /users -> list users", "POST /users -> create a user", "GET /users/:id -> show a user", "GET /echo/:msg -> echo"}, got)

	delete(controllers, "text")
	assert.EqualError(t, bindRoutes("routes.txt", defs, controllers, handle), `routes.txt:6:16: no controller "text"`)
	delete(controllers["users"], "show")
	assert.EqualError(t, bindRoutes("routes.txt", defs, controllers, handle), `routes.txt:5:22: controller "users" has no action "show"`)
}

// FuzzParseRouteFile checks that the scanner never panics, that an error
// points inside its line, and that the routes of a file it accepts,
// written out again, read back the same.
func FuzzParseRouteFile(f *testing.F) {
	f.Add(testRoutes)
	f.Add("GET:/users@users;index\nGET:/users@users;show\n")
	f.Add("GET:/a:b@c;d # x\n\t\n#\nPUT:/@_;_9")
	f.Fuzz(func(t *testing.T, src string) {
		defs, err := parseRouteFile("f", src)
		if err != nil {
			var line, col int
			_, scanErr := fmt.Sscanf(err.Error(), "f:%d:%d:", &line, &col)
			require.NoError(t, scanErr, err.Error())
			lines := strings.Split(src, "\n")
			require.LessOrEqual(t, line, len(lines))
			require.LessOrEqual(t, col, len(lines[line-1])+1)
			return
		}
		var out strings.Builder
		for _, d := range defs {
			fmt.Fprintf(&out, "%s:%s@%s;%s\n", d.Method, d.Path, d.Controller, d.Action)
		}
		again, err := parseRouteFile("f", out.String())
		require.NoError(t, err)
		require.Equal(t, len(defs), len(again))
		for i := range defs {
			require.Equal(t, []string{defs[i].Method, defs[i].Path, defs[i].Controller, defs[i].Action},
				[]string{again[i].Method, again[i].Path, again[i].Controller, again[i].Action})
		}
	})
}
