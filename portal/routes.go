package portal

// route is one portal endpoint; this table is the only place they are declared.
type route struct {
	pattern string
	handler handlerFunc
}

func (s *Server) routes() []route {
	return []route{
		{"GET /portal/{$}", s.home},
		// Submit a complaint.
		{"GET /portal/submit", s.submitPage},
		{"POST /portal/submit", s.submit},
		// Track: number, then a one-time code, then a session on the complaint.
		{"GET /portal/track", s.trackPage},
		{"POST /portal/track", s.requestCode},
		{"POST /portal/verify", s.verify},
		{"GET /portal/complaint", s.complaintPage},
		{"POST /portal/complaint/reply", s.reply},
		{"POST /portal/complaint/evidence", s.evidence},
		{"POST /portal/complaint/action", s.action},
		{"GET /portal/complaint/attachments/{id}", s.attachment},
		{"POST /portal/signout", s.signout},
		{"/portal/", s.notFound},
	}
}
