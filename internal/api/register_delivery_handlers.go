package api

import (
	"net/http"

	"github.com/phonghop/phonghop/docs/register"
	"github.com/phonghop/phonghop/internal/auth"
)

// deliveryRoutes: the register's "ngày chuyển" and "ký nhận" columns, recorded by whoever keeps
// the register after the document is handed over.
func (s *Server) deliveryRoutes() {
	s.mux.HandleFunc("GET /api/register/entries/{entry}/deliveries", s.authed(s.deliveries))
	s.mux.HandleFunc("POST /api/register/entries/{entry}/deliveries", s.authed(s.deliveries))
}

func (s *Server) deliveries(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	id, err := pathID(r, "entry")
	var e register.Entry
	if err == nil {
		e, err = s.d.Register.Get(r.Context(), id)
	}
	if err == nil && !keepsRegister(p, e.OrganizationID) {
		err = errRegisterForbidden
	}
	if err != nil {
		writeError(w, r, s.d.Log, err)
		return
	}
	if r.Method == http.MethodGet {
		list, err := s.d.Register.Deliveries(r.Context(), id)
		if err != nil {
			writeError(w, r, s.d.Log, err)
			return
		}
		writeJSON(w, http.StatusOK, items(list))
		return
	}
	d, err := body[register.Delivery](s, w, r)
	if err == nil {
		d.EntryID = id
		if d, err = s.d.Register.RecordDelivery(r.Context(), p.ID, d); err == nil {
			writeJSON(w, http.StatusCreated, d)
			return
		}
	}
	writeError(w, r, s.d.Log, err)
}
