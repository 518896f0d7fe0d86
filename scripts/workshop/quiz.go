package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/serverless-dva/sam-dynamodb-go/internal/checks"
)

// QuizFile holds a step's exam-style questions, beside its checks and hints:
// steps/NN-*/testdata/quiz.json.
//
//	{"questions": [
//	  {"question": "…",
//	   "options": [
//	     {"text": "…", "correct": true, "why": "why it is right"},
//	     {"text": "…", "why": "why it is wrong (the misconception it stands for)"},
//	     … four options in all, exactly one correct
//	   ]}
//	]}
//
// The options are shown in an order shuffled from the question's text, the
// same on every run, so the file may list the right one first. After each
// answer every option is shown with "right" or "wrong" and its why, so a
// why does not start with either.
const QuizFile = "quiz.json"

const (
	quizOptions      = 4
	quizMinQuestions = 4
	quizMaxQuestions = 6
)

type quiz struct {
	Questions []question `json:"questions"`
}

type question struct {
	Question string   `json:"question"`
	Options  []option `json:"options"`
}

type option struct {
	Text    string `json:"text"`
	Correct bool   `json:"correct,omitempty"`
	Why     string `json:"why"`
}

// loadQuiz reads and checks a step's questions; an error names the file and
// the question.
func loadQuiz(root string, st checks.Step) (*quiz, error) {
	path := filepath.Join(root, "steps", st.Slug, "testdata", QuizFile)
	name := rel(root, path)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("step %s has no quiz yet (%s)", st.Slug, name)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the quiz: %w", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields() // a misspelt "correct" would leave no right answer
	var q quiz
	if err := dec.Decode(&q); err != nil {
		return nil, fmt.Errorf("%s is not a quiz (see QuizFile in scripts/workshop/quiz.go for its form): %w", name, err)
	}
	if n := len(q.Questions); n < quizMinQuestions || n > quizMaxQuestions {
		return nil, fmt.Errorf("%s has %d questions; give %d to %d", name, n, quizMinQuestions, quizMaxQuestions)
	}
	for i, qu := range q.Questions {
		if err := qu.valid(); err != nil {
			return nil, fmt.Errorf("%s, question %d: %w", name, i+1, err)
		}
	}
	return &q, nil
}

// valid: a text, four distinct options with an explanation each, one right.
func (q question) valid() error {
	if strings.TrimSpace(q.Question) == "" {
		return errors.New("the question has no text")
	}
	if len(q.Options) != quizOptions {
		return fmt.Errorf("%d options; give %d", len(q.Options), quizOptions)
	}
	correct := 0
	seen := map[string]bool{}
	for j, o := range q.Options {
		text := strings.ToLower(strings.TrimSpace(o.Text))
		switch {
		case text == "":
			return fmt.Errorf("option %d has no text", j+1)
		case seen[text]:
			return fmt.Errorf("option %d repeats %q", j+1, o.Text)
		case strings.TrimSpace(o.Why) == "":
			return fmt.Errorf("option %d (%q) has no why: say why it is right or wrong", j+1, o.Text)
		}
		seen[text] = true
		if o.Correct {
			correct++
		}
	}
	if correct != 1 {
		return fmt.Errorf("%d options are marked correct; exactly one must be", correct)
	}
	return nil
}

// shown is the options in the order the quiz shows them: shuffled with a
// seed from the question's text, so every run (and test) sees one order.
func (q question) shown() []option {
	h := fnv.New64a()
	h.Write([]byte(q.Question))
	opts := append([]option(nil), q.Options...)
	r := rand.New(rand.NewPCG(h.Sum64(), 0))
	r.Shuffle(len(opts), func(i, j int) { opts[i], opts[j] = opts[j], opts[i] })
	return opts
}

func letter(i int) string { return string(rune('A' + i)) }

// quizCmd: quiz STEP asks the step's questions on stdin and stdout.
func quizCmd(args []string, in io.Reader, out io.Writer) error {
	if len(args) != 1 || strings.HasPrefix(args[0], "-") {
		return errors.New("usage: go run ./scripts/workshop quiz STEP, for example: quiz 03")
	}
	root, st, err := findStep(args[0])
	if err != nil {
		return err
	}
	q, err := loadQuiz(root, st)
	if err != nil {
		return err
	}
	return q.run(st, in, out)
}

// run asks each question in turn, explains every option after the answer,
// and prints the score. The end of input stops it with the score so far.
func (q *quiz) run(st checks.Step, in io.Reader, out io.Writer) error {
	total := len(q.Questions)
	fmt.Fprintf(out, "workshop: quiz of step %s, %d questions as the DVA-C02 exam asks them: one answer each, a letter from A to %s, then Enter.\n",
		st.Slug, total, letter(quizOptions-1))
	lines := bufio.NewScanner(in)
	score := 0
	var missed []string
	for i, qu := range q.Questions {
		opts := qu.shown()
		fmt.Fprintf(out, "\nQuestion %d of %d. %s\n", i+1, total, qu.Question)
		for j, o := range opts {
			fmt.Fprintf(out, "  %s. %s\n", letter(j), o.Text)
		}
		pick := -1
		for pick < 0 {
			fmt.Fprint(out, "your answer: ")
			if !lines.Scan() {
				fmt.Fprintln(out)
				return fmt.Errorf("the quiz stopped at question %d of %d (end of input): %d of %d right so far; run it again to start over", i+1, total, score, i)
			}
			a := strings.ToUpper(strings.TrimSpace(lines.Text()))
			if len(a) == 1 && a[0] >= 'A' && int(a[0]-'A') < len(opts) {
				pick = int(a[0] - 'A')
				continue
			}
			fmt.Fprintf(out, "%q is not one of the answers: type a letter from A to %s\n", lines.Text(), letter(len(opts)-1))
		}
		right := 0
		for j, o := range opts {
			if o.Correct {
				right = j
			}
		}
		if pick == right {
			score++
			fmt.Fprintf(out, "Right: %s.\n", letter(right))
		} else {
			missed = append(missed, fmt.Sprint(i+1))
			fmt.Fprintf(out, "Wrong: the answer is %s, not %s.\n", letter(right), letter(pick))
		}
		for j, o := range opts {
			verdict := "wrong"
			if o.Correct {
				verdict = "right"
			}
			mark := " "
			if j == pick {
				mark = ">"
			}
			fmt.Fprintf(out, " %s%s %s: %s\n", mark, letter(j), verdict, o.Why)
		}
	}
	fmt.Fprintf(out, "\nscore: %d of %d (%d%%)", score, total, score*100/total)
	if len(missed) > 0 {
		fmt.Fprintf(out, "; missed: question %s. The step's README (Concepts) explains them; run the quiz again when ready.\n", strings.Join(missed, ", "))
	} else {
		fmt.Fprintln(out, ": every answer right.")
	}
	return nil
}
