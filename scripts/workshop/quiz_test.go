package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/serverless-dva/sam-dynamodb-go/internal/checks"
	"github.com/serverless-dva/sam-dynamodb-go/internal/repo"
)

// TestQuizzes checks every step's quiz: it parses, has 4 to 6 questions of
// four distinct options, exactly one right, each explained; the shown order
// is stable; and the README's self-check points to it (the quiz is the one
// source of the questions).
func TestQuizzes(t *testing.T) {
	root, err := repo.Root(".")
	if err != nil {
		t.Fatal(err)
	}
	_, m, err := manifest()
	if err != nil {
		t.Fatal(err)
	}
	positions := map[int]int{} // where the right answer is shown, over every quiz
	for _, st := range m.Steps {
		t.Run(st.Slug, func(t *testing.T) {
			q, err := loadQuiz(root, st)
			if err != nil {
				t.Fatal(err)
			}
			for i, qu := range q.Questions {
				if len(qu.Options) != 4 {
					t.Errorf("question %d has %d options", i+1, len(qu.Options))
				}
				right, seen := 0, map[string]bool{}
				for j, o := range qu.shown() {
					if o.Correct {
						right++
						positions[j]++
					}
					if o.Why == "" || seen[o.Text] {
						t.Errorf("question %d: option %q has no why or is repeated", i+1, o.Text)
					}
					seen[o.Text] = true
				}
				if right != 1 {
					t.Errorf("question %d has %d right options", i+1, right)
				}
				if fmt.Sprint(qu.shown()) != fmt.Sprint(qu.shown()) {
					t.Errorf("question %d is shown in a different order each time", i+1)
				}
			}
			readme, err := os.ReadFile(filepath.Join(root, "steps", st.Slug, "README.md"))
			if err != nil {
				t.Fatal(err)
			}
			_, selfCheck, _ := strings.Cut(string(readme), "\n## Self-check\n")
			if want := "go run ./scripts/workshop quiz " + st.Number(); !strings.Contains(selfCheck, want) {
				t.Errorf("the Self-check section of steps/%s/README.md does not point to %q", st.Slug, want)
			}
			if strings.Contains(selfCheck, "<details>") {
				t.Errorf("the Self-check section of steps/%s/README.md still holds questions: they live in testdata/%s only", st.Slug, QuizFile)
			}
		})
	}
	if len(positions) < 3 {
		t.Errorf("the right answer is shown in only %d positions over all quizzes (%v): the shuffle does not shuffle", len(positions), positions)
	}
}

// TestQuizRefuses: each mistake in a quiz file is refused with the file and
// the question named.
func TestQuizRefuses(t *testing.T) {
	opt := func(text string, correct bool) string {
		return fmt.Sprintf(`{"text": %q, "correct": %v, "why": "because"}`, text, correct)
	}
	question := func(opts ...string) string {
		return `{"question": "Q?", "options": [` + strings.Join(opts, ",") + `]}`
	}
	good := question(opt("a", true), opt("b", false), opt("c", false), opt("d", false))
	quizOf := func(last string) string {
		return `{"questions": [` + strings.Repeat(good+",", 3) + last + `]}`
	}
	tests := []struct{ name, file, want string }{
		{"not JSON", "{", "is not a quiz"},
		{"misspelt field", strings.Replace(quizOf(good), `"correct": true`, `"corect": true`, 1), `unknown field "corect"`},
		{"too few", `{"questions": [` + good + `]}`, "has 1 questions; give 4 to 6"},
		{"three options", quizOf(question(opt("a", true), opt("b", false), opt("c", false))), "question 4: 3 options; give 4"},
		{"two right", quizOf(question(opt("a", true), opt("b", true), opt("c", false), opt("d", false))), "question 4: 2 options are marked correct"},
		{"none right", quizOf(question(opt("a", false), opt("b", false), opt("c", false), opt("d", false))), "question 4: 0 options are marked correct"},
		{"repeated", quizOf(question(opt("a", true), opt("b", false), opt("B ", false), opt("d", false))), `question 4: option 3 repeats "B "`},
		{"no why", quizOf(strings.Replace(good, `"why": "because"`, `"why": ""`, 1)), `question 4: option 1 ("a") has no why`},
		{"no text", quizOf(`{"question": " ", "options": []}`), "question 4: the question has no text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			st := checks.Step{Slug: "09-x"}
			dir := filepath.Join(root, "steps", st.Slug, "testdata")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, QuizFile), []byte(tt.file), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := loadQuiz(root, st)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), filepath.Join("steps", "09-x", "testdata", QuizFile)) {
				t.Errorf("got %v; want an error naming the file and saying %q", err, tt.want)
			}
		})
	}
	if _, err := loadQuiz(t.TempDir(), checks.Step{Slug: "09-x"}); err == nil || !strings.Contains(err.Error(), "has no quiz yet") {
		t.Errorf("a missing quiz: got %v", err)
	}
}

// TestQuizScoring plays step 03's quiz from a scripted stdin: right and
// wrong answers, input that is no answer, and the score.
func TestQuizScoring(t *testing.T) {
	_, m, err := manifest()
	if err != nil {
		t.Fatal(err)
	}
	root, _ := repo.Root(".")
	st, err := m.Find("03")
	if err != nil {
		t.Fatal(err)
	}
	q, err := loadQuiz(root, st)
	if err != nil {
		t.Fatal(err)
	}
	var in strings.Builder
	wantRight := 0
	for i, qu := range q.Questions {
		right := -1
		for j, o := range qu.shown() {
			if o.Correct {
				right = j
			}
		}
		switch i {
		case 0: // lower case, with spaces, after two answers that are none
			fmt.Fprintf(&in, "E\n\n  %s \n", strings.ToLower(letter(right)))
			wantRight++
		case 1: // wrong
			fmt.Fprintf(&in, "%s\n", letter((right+1)%4))
		default:
			fmt.Fprintf(&in, "%s\n", letter(right))
			wantRight++
		}
	}
	var out bytes.Buffer
	if err := quizCmd([]string{"03"}, strings.NewReader(in.String()), &out); err != nil {
		t.Fatalf("quiz 03: %v\n%s", err, out.String())
	}
	got := out.String()
	for _, want := range []string{
		"workshop: quiz of step 03-simple-table, 5 questions",
		"Question 1 of 5. ", "  A. ", "  D. ",
		`"E" is not one of the answers: type a letter from A to D`,
		`"" is not one of the answers`,
		"Right: ", "Wrong: the answer is ",
		"\n >", " right: ", " wrong: ",
		fmt.Sprintf("score: %d of 5 (%d%%); missed: question 2.", wantRight, wantRight*20),
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the quiz's output lacks %q:\n%s", want, got)
		}
	}
	if n := len(regexp.MustCompile(`(?m)^ [ >][A-D] right: `).FindAllString(got, -1)); n != 5 {
		t.Errorf("%d options explained as right; want one per question (5)", n)
	}
	if n := len(regexp.MustCompile(`(?m)^ [ >][A-D] wrong: `).FindAllString(got, -1)); n != 15 {
		t.Errorf("%d options explained as wrong; want three per question (15)", n)
	}
}

// TestQuizInputEnds: the end of input, an unknown step or no step get a
// clear message, never a stack trace.
func TestQuizInputEnds(t *testing.T) {
	tests := []struct {
		args []string
		in   string
		want string
	}{
		{[]string{"01"}, "A\n", "the quiz stopped at question 2 of 5 (end of input): "},
		{[]string{"01"}, "", "the quiz stopped at question 1 of 5 (end of input): 0 of 0 right so far"},
		{[]string{"99"}, "", `there is no step "99"; the steps are: 01-hello-api`},
		{nil, "", "usage: go run ./scripts/workshop quiz STEP"},
		{[]string{"01", "02"}, "", "usage: go run ./scripts/workshop quiz STEP"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " ")+"/"+tt.in, func(t *testing.T) {
			var out bytes.Buffer
			err := quizCmd(tt.args, strings.NewReader(tt.in), &out)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v; want an error with %q", err, tt.want)
			}
		})
	}
}
