package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"

	"github.com/phonghop/phonghop/internal/errs"
)

var statusOf = map[errs.Code]int{
	errs.Invalid:         http.StatusBadRequest,
	errs.Unauthenticated: http.StatusUnauthorized,
	errs.Forbidden:       http.StatusForbidden,
	errs.NotFound:        http.StatusNotFound,
	errs.Conflict:        http.StatusConflict,
	errs.TooLarge:        http.StatusRequestEntityTooLarge,
	errs.Unsupported:     http.StatusUnsupportedMediaType,
	errs.RateLimited:     http.StatusTooManyRequests,
	errs.Unavailable:     http.StatusServiceUnavailable,
	errs.Internal:        http.StatusInternalServerError,
}

var (
	errRouteNotFound = errs.E(errs.NotFound, "Không có địa chỉ API này.", "No such API route.")
	errInternal      = errs.E(errs.Internal, "Lỗi hệ thống. Hãy thử lại; nếu vẫn lỗi, báo cho quản trị viên kèm mã yêu cầu.", "Internal error. Try again; if it persists, tell the administrator the request ID.")
	errBadID         = errs.E(errs.Invalid, "Mã định danh không hợp lệ.", "Invalid identifier.")
)

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code      errs.Code `json:"code"`
	Message   string    `json:"message"`
	MessageEN string    `json:"message_en"`
	Field     string    `json:"field,omitempty"`
	RequestID string    `json:"request_id,omitempty"`
}

// writeError answers with the JSON error for err. Errors without a code are logged in full and
// shown to the user only as an internal error.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	e := errs.As(err)
	if e == nil || e.Code == errs.Internal {
		log.ErrorContext(r.Context(), "request failed", "err", err, "method", r.Method, "path", r.URL.Path, "request_id", requestIDOf(r))
		e = errInternal
	}
	status, ok := statusOf[e.Code]
	if !ok {
		status = http.StatusInternalServerError
	}
	writeJSON(w, status, errorBody{errorDetail{e.Code, e.Message, e.MessageEN, e.Field, requestIDOf(r)}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, `{"error":{"code":"internal","message":"Lỗi hệ thống.","message_en":"Internal error."}}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// decode reads a JSON body into v: it must be application/json, within the size limit, have no
// unknown fields and nothing after the value.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return errs.E(errs.Unsupported, "Nội dung gửi lên phải là JSON (Content-Type: application/json).", "The request body must be JSON (Content-Type: application/json).")
	}
	body := http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return decodeError(err)
		}
		return errs.E(errs.Invalid, "Dữ liệu JSON có phần thừa phía sau.", "The JSON body has trailing data.")
	}
	return nil
}

func decodeError(err error) error {
	var tooBig *http.MaxBytesError
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &tooBig):
		return errs.E(errs.TooLarge, "Dữ liệu gửi lên quá lớn.", "The request body is too large.")
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		return errs.E(errs.Invalid, "Dữ liệu JSON không hợp lệ.", "Malformed JSON.")
	case errors.As(err, &typ):
		return errs.Fieldf(typ.Field, "Sai kiểu dữ liệu ở trường %q.", "Wrong type for field %q.", typ.Field)
	case errors.Is(err, io.EOF):
		return errs.E(errs.Invalid, "Thiếu dữ liệu JSON.", "The JSON body is empty.")
	}
	// DisallowUnknownFields reports `json: unknown field "x"`.
	const prefix = "json: unknown field "
	if msg := err.Error(); len(msg) > len(prefix) && msg[:len(prefix)] == prefix {
		name, _ := strconv.Unquote(msg[len(prefix):])
		return errs.Fieldf(name, "Trường %q không được hỗ trợ.", "Unknown field %q.", name)
	}
	return errs.E(errs.Invalid, "Dữ liệu JSON không hợp lệ.", "Malformed JSON.")
}

func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errBadID
	}
	return id, nil
}

func queryID(r *http.Request, name string) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, errs.Fieldf(name, "Mã định danh không hợp lệ.", "Invalid identifier.")
	}
	return id, nil
}

type list[T any] struct {
	Items []T `json:"items"`
}

func items[T any](v []T) list[T] {
	if v == nil {
		v = []T{}
	}
	return list[T]{v}
}
