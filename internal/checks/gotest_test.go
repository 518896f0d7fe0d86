package checks

import "testing"

// TestUnitTestMistakesAreCaught: step 08's unit-test check (gotest) fails
// when the learner's own unit test fails, whether the test or the handler is
// wrong, when it has too few cases, is missing or does not compile.
func TestUnitTestMistakesAreCaught(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go test on copies of a step")
	}
	runMistakes(t, []mistake{
		{name: "a case expects the wrong status", step: "08",
			changes: []change{{"main_test.go", `next: "not*a*cursor", status: 400`, `next: "not*a*cursor", status: 401`}},
			check:   "unit-test",
			first:   []string{"main_test.go: TestHandler/cursor_not_base64url fails: ", "answered 400", "want 401"},
			want:    []string{"hint: make the handler use accessStore"}},
		{name: "the handler answers 200 to a bad cursor", step: "08",
			changes: []change{{"main.go", "return respond(http.StatusBadRequest,", "return respond(http.StatusOK,"}},
			check:   "unit-test",
			first:   []string{"main_test.go: TestHandler/cursor_not_base64url fails: ", "answered 200", "want 400"}},
		{name: "too few cases", step: "08",
			changes: []change{{"main_test.go", "for _, tt := range tests {", "for _, tt := range tests[:3] {"}},
			check:   "unit-test",
			first:   []string{"main_test.go: TestHandler passes with 3 cases (t.Run); expected at least 5"}},
		{name: "cases that test nothing", step: "08",
			changes: []change{{"main_test.go", "t.Run(tt.name, func(t *testing.T) {", "t.Run(tt.name, func(t *testing.T) {\n\t\t\treturn"}},
			check:   "unit-test",
			first:   []string{"main_test.go: TestHandler's cases run 0% of handler's statements (", "main.go:", "expected at least 70%"}},
		{name: "no TestHandler", step: "08",
			changes: []change{{"main_test.go", "func TestHandler(t *testing.T) {", "func TestTheHandler(t *testing.T) {"}},
			check:   "unit-test",
			first:   []string{"main_test.go has no test TestHandler(t *testing.T)"}},
		{name: "the test does not compile", step: "08",
			changes: []change{{"main_test.go", "a := &app{store: &store,", "a := &app{db: &store,"}},
			check:   "unit-test",
			first:   []string{"go test does not compile the step's Go files: ./main_test.go:", "unknown field db"}},
		{name: "the handler does not compile", step: "08",
			changes: []change{{"main.go", "p := page{Count: count, Day: day, AccessDatetime: items}", "p := page{Count: count, Day: day, AccessDatetime: item}"}},
			check:   "unit-test",
			first:   []string{"go test does not compile the step's Go files: ./main.go:", "item"}},
	})
}
