// Package doccheck keeps the Go code in README.md and docs/*.md compiling.
// It has no API: its test extracts every ```go block of those files and
// builds it against the module as it is, so that a guide cannot drift from
// the code it describes.
//
// Each block is compiled in one of three ways, chosen by what it is:
//
//   - A block with a package clause is a whole file, compiled as it is, as
//     a package of its own (a `package main` block must have a main func).
//   - A block of declarations (funcs, types, vars, consts, imports) is a
//     file of its document's package.
//   - Anything else is a fragment: a list of statements, compiled as the
//     body of a func with no parameters and no results, in a file of its
//     document's package.
//
// So the blocks of one document that are not whole files build on each
// other, as a guide does: a later block may use a type or func an earlier
// one declared, and two blocks of one document must not declare the same
// name. Documents do not see each other's names.
//
// Those blocks need no import lines: each package name a block uses and
// does not declare (resilience, retry, httpx, context, time, http, clock,
// ...; see knownImports in the test) gets its import, file by file. They
// may also use the names of the prelude, testdata/prelude.go (the User
// type, loadUser, errNotFound), which stand for the caller's own code, and
// must not declare those names.
//
// A block that shows another library's code (the peers of the migration
// guides) cannot compile here. Mark it with a first line
//
//	// peer: failsafe-go
//
// naming the library; the test skips such blocks and only those. Fences
// other than ```go (```sh, ```text) are not Go and are not compiled.
//
// The test also checks that every relative link of those files points to
// a file that exists, and that the README's quick start is the body of the
// Example that runs it (readme_example_test.go in the root package).
package doccheck
