package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"

	"github.com/phonghop/phonghop/docs"
	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/internal/errs"
	"github.com/phonghop/phonghop/rooms"
	"github.com/phonghop/phonghop/rooms/opinions"
)

// formView is what the form's page shows: the header and questions to everyone who may open it,
// their own answers to recipients, and everything (recipients, every answer revision, reminders,
// the summary and its approvals) to the meeting's organizers.
type formView struct {
	Form       opinions.Form           `json:"form"`
	Organizer  bool                    `json:"organizer"`
	Mine       []opinions.Recipient    `json:"mine"`
	Answers    []opinions.Answer       `json:"answers"`
	Recipients []opinions.Recipient    `json:"recipients,omitempty"`
	Reminders  []opinions.Reminder     `json:"reminders,omitempty"`
	Summary    *opinions.SummaryRecord `json:"summary,omitempty"`
	Approvals  []rooms.Approval        `json:"approvals"`
	MeetingMe  *rooms.Member           `json:"member,omitempty"`
}

type formAction func(w http.ResponseWriter, r *http.Request, f opinions.Form, v opinions.Viewer, p *auth.Principal) (any, error)

// inForm resolves who the caller is for the form in the path before the action runs.
func (s *Server) inForm(fn formAction) http.HandlerFunc {
	return s.authed(func(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
		id, err := pathID(r, "form")
		if err != nil {
			writeError(w, r, s.d.Log, err)
			return
		}
		f, v, err := s.opinions.Access(r.Context(), id, p)
		if err != nil {
			writeError(w, r, s.d.Log, err)
			return
		}
		out, err := fn(w, r, f, v, p)
		switch _, done := out.(written); {
		case err != nil:
			writeError(w, r, s.d.Log, err)
		case done:
		case out == nil:
			w.WriteHeader(http.StatusNoContent)
		default:
			if c, ok := out.(created); ok {
				writeJSON(w, http.StatusCreated, c.v)
				return
			}
			writeJSON(w, http.StatusOK, out)
		}
	})
}

func (s *Server) opinionRoutes() {
	m := s.mux
	m.HandleFunc("GET /api/meetings/{id}/opinions", s.inMeeting(func(w http.ResponseWriter, r *http.Request, mem rooms.Member, p *auth.Principal) (any, error) {
		l, err := s.opinions.List(r.Context(), mem, p.OrganizationID)
		return items(l), err
	}))
	m.HandleFunc("POST /api/meetings/{id}/opinions", s.inMeeting(func(w http.ResponseWriter, r *http.Request, mem rooms.Member, p *auth.Principal) (any, error) {
		in, err := body[opinions.NewForm](s, w, r)
		if err != nil {
			return nil, err
		}
		if !mem.CanPrepare() {
			return s.opinions.Create(r.Context(), mem, in, nil)
		}
		var draft *rooms.DocumentVersion
		if in.DraftVersionID > 0 {
			if draft, err = s.documentVersionForApproval(r.Context(), mem, in.DraftVersionID); err != nil {
				return nil, errs.Fieldf("draft_version_id", "Không tìm thấy dự thảo trong cuộc họp này.", "No such draft in this meeting.")
			}
		}
		f, err := s.opinions.Create(r.Context(), mem, in, draft)
		return created{f}, err
	}))
	m.HandleFunc("GET /api/opinions", s.authed(func(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
		l, err := s.opinions.Mine(r.Context(), p)
		if err != nil {
			writeError(w, r, s.d.Log, err)
			return
		}
		writeJSON(w, http.StatusOK, items(l))
	}))
	m.HandleFunc("GET /api/opinions/{form}", s.inForm(s.formView))
	m.HandleFunc("GET /api/opinions/{form}/draft", s.inForm(func(w http.ResponseWriter, r *http.Request, f opinions.Form, v opinions.Viewer, p *auth.Principal) (any, error) {
		// Sending the form is what lets its recipients read the draft, in the version sent.
		return written{}, s.serveBlob(w, r, f.DraftSHA256, "application/pdf", fmt.Sprintf("du-thao-%d.pdf", f.ID))
	}))
	m.HandleFunc("POST /api/opinions/{form}/answers", s.inForm(func(w http.ResponseWriter, r *http.Request, f opinions.Form, v opinions.Viewer, p *auth.Principal) (any, error) {
		if len(v.Answers) == 0 {
			return s.opinions.Answer(r.Context(), f, v, opinions.NewAnswer{}, nil, "")
		}
		in, file, name, err := s.readAnswer(w, r)
		if err != nil {
			return nil, err
		}
		if in.Sign != nil {
			sign, done, err := s.memberSigner(r.Context(), *in.Sign)
			if err != nil {
				return nil, signingError(err)
			}
			defer done()
			in.NewAnswer.Sign = sign
		}
		a, err := s.opinions.Answer(r.Context(), f, v, in.NewAnswer, file, name)
		if err != nil {
			return nil, signingError(err)
		}
		s.checkAnswerSignatures([]opinions.Answer{a})
		return created{a}, nil
	}))
	m.HandleFunc("GET /api/opinions/{form}/answers/{answer}/file", s.inForm(func(w http.ResponseWriter, r *http.Request, f opinions.Form, v opinions.Viewer, p *auth.Principal) (any, error) {
		id, err := pathID(r, "answer")
		if err != nil {
			return nil, err
		}
		sum, name, err := s.opinions.Attachment(r.Context(), f, v, id)
		if err != nil {
			return nil, err
		}
		return written{}, s.serveBlob(w, r, sum, "", name)
	}))
	m.HandleFunc("POST /api/opinions/{form}/remind", s.inForm(func(w http.ResponseWriter, r *http.Request, f opinions.Form, v opinions.Viewer, p *auth.Principal) (any, error) {
		rem, err := s.opinions.Remind(r.Context(), f, v)
		return created{rem}, err
	}))
	m.HandleFunc("POST /api/opinions/{form}/close", s.inForm(func(w http.ResponseWriter, r *http.Request, f opinions.Form, v opinions.Viewer, p *auth.Principal) (any, error) {
		return s.opinions.Close(r.Context(), f, v)
	}))
	m.HandleFunc("GET /api/opinions/{form}/summary/draft", s.inForm(func(w http.ResponseWriter, r *http.Request, f opinions.Form, v opinions.Viewer, p *auth.Principal) (any, error) {
		return s.opinions.DraftSummary(r.Context(), f, v)
	}))
	m.HandleFunc("PUT /api/opinions/{form}/summary", s.inForm(func(w http.ResponseWriter, r *http.Request, f opinions.Form, v opinions.Viewer, p *auth.Principal) (any, error) {
		in, err := body[struct {
			BaseVersion int             `json:"base_version"`
			Content     json.RawMessage `json:"content"`
		}](s, w, r)
		if err != nil {
			return nil, err
		}
		return s.opinions.SaveSummary(r.Context(), f, v, in.BaseVersion, in.Content)
	}))
	s.answerSigningRoutes()
}

func (s *Server) formView(w http.ResponseWriter, r *http.Request, f opinions.Form, v opinions.Viewer, p *auth.Principal) (any, error) {
	ctx := r.Context()
	out := formView{Form: f, Organizer: v.Organizer, Mine: v.Answers, MeetingMe: v.Member, Approvals: []rooms.Approval{}}
	if out.Mine == nil {
		out.Mine = []opinions.Recipient{}
	}
	var err error
	if out.Answers, err = s.opinions.Answers(ctx, f, v); err != nil {
		return nil, err
	}
	s.checkAnswerSignatures(out.Answers)
	if v.Organizer {
		if out.Recipients, err = s.opinions.Recipients(ctx, v, f.ID); err != nil {
			return nil, err
		}
		if out.Reminders, err = s.opinions.Reminders(ctx, f.ID); err != nil {
			return nil, err
		}
	}
	if v.Member == nil {
		return out, nil
	}
	sum, err := s.opinions.GetSummary(ctx, f.ID)
	if errs.As(err) != nil && errs.As(err).Code == errs.NotFound {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	out.Summary = &sum
	versions, err := s.opinions.SummaryVersionIDs(ctx, sum.DocumentID)
	if err != nil {
		return nil, err
	}
	all, err := s.d.Rooms.Approvals(ctx, *v.Member)
	if err != nil {
		return nil, err
	}
	for _, a := range all {
		if a.SubjectKind == "document" && slices.Contains(versions, a.SubjectID) {
			out.Approvals = append(out.Approvals, a)
		}
	}
	return out, nil
}

// readAnswer reads an answer as JSON, or as multipart/form-data with the JSON in the field
// "answer" followed by an optional attachment in "file" (kept as it streams in).
func (s *Server) readAnswer(w http.ResponseWriter, r *http.Request) (answerIn, *docs.StoredFile, string, error) {
	var in answerIn
	f, name, err := s.readWithFile(w, r, "answer", &in)
	return in, f, name, err
}

// readWithFile reads a JSON body into v, or multipart/form-data with the JSON in the field named
// field followed by an optional attachment in "file", which goes to the blob store as it streams.
func (s *Server) readWithFile(w http.ResponseWriter, r *http.Request, field string, v any) (*docs.StoredFile, string, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "application/json" {
		return nil, "", s.decode(w, r, v)
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.d.Docs.MaxSize+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, "", errs.E(errs.Unsupported, "Hãy gửi dưới dạng JSON hoặc multipart/form-data.", "Send JSON or multipart/form-data.")
	}
	tooLarge := errs.E(errs.TooLarge, fmt.Sprintf("Tệp quá lớn: tối đa %d MB.", s.d.Docs.MaxSize>>20), fmt.Sprintf("The file is too large: at most %d MB.", s.d.Docs.MaxSize>>20))
	seen := false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			if !seen {
				return nil, "", errs.Fieldf(field, "Thiếu nội dung gửi lên.", "The %s is missing.", field)
			}
			return nil, "", nil
		}
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, "", tooLarge
		}
		if err != nil {
			return nil, "", errs.E(errs.Invalid, "Dữ liệu gửi lên bị lỗi.", "The upload is malformed.")
		}
		switch part.FormName() {
		case field:
			dec := json.NewDecoder(io.LimitReader(part, 256<<10))
			dec.DisallowUnknownFields()
			err := dec.Decode(v)
			part.Close()
			if err != nil {
				return nil, "", decodeError(err)
			}
			seen = true
		case "file":
			if !seen {
				part.Close()
				return nil, "", errs.Fieldf(field, "Nội dung phải đứng trước tệp đính kèm.", "The %s must come before the attachment.", field)
			}
			name := part.FileName()
			f, err := s.d.Docs.PutAttachment(part)
			part.Close()
			if errors.As(err, &tooBig) {
				return nil, "", tooLarge
			}
			if err != nil {
				return nil, "", err
			}
			return &f, name, nil
		default:
			part.Close()
		}
	}
}

// serveBlob streams a stored file the caller has been allowed to read.
func (s *Server) serveBlob(w http.ResponseWriter, r *http.Request, sum, contentType, name string) error {
	f, err := s.d.Docs.OpenFile(sum)
	if err != nil {
		return err
	}
	defer f.Close()
	if contentType == "" {
		st, _ := f.Stat()
		contentType = docs.Detect(f, st.Size())
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return err
		}
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("ETag", `"`+sum+`"`)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Disposition", contentDisposition("inline", name))
	st, _ := f.Stat()
	http.ServeContent(w, r, "", st.ModTime(), f)
	return nil
}
