package main

// findCheck returns the check a slug names, the leftover check included,
// for the hints and the name of a check that failed in an earlier run.
func findCheck(slug string) (check, bool) {
	if slug == leftoverSlug {
		return leftoverCheck, true
	}
	for _, c := range registry {
		if c.slug == slug {
			return c, true
		}
	}
	return check{}, false
}

// checkHints returns a check's hints, in the order "tester hint" shows
// them; none for a slug no check has (a record written by another
// version of the tester).
func checkHints(slug string) []string {
	c, _ := findCheck(slug)
	return c.hints
}
