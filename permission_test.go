package kesu

import "testing"

func TestCan(t *testing.T) {
	handler := Actor{UserID: 2, Role: RoleHandler, DepartmentID: 7}
	other := Actor{UserID: 3, Role: RoleHandler, DepartmentID: 8}
	c := &Complaint{Number: "TS1", DepartmentID: 7}
	if err := CanOn(handler, PermViewComplaints, c); err != nil {
		t.Errorf("own department: %v", err)
	}
	if err := CanOn(other, PermViewComplaints, c); ErrorCodeOf(err) != EForbidden {
		t.Errorf("other department: %v, want forbidden", err)
	}
	for _, tc := range []struct {
		role Role
		perm Permission
		ok   bool
	}{
		{RoleAgent, PermUnmask, true}, {RoleAnalyst, PermUnmask, false}, {RoleAuditor, PermAudit, true},
		{RoleAuditor, PermEdit, false}, {RoleAgent, PermAdmin, false}, {RoleAdmin, PermAdmin, true},
		{RoleHandler, PermApprove, false}, {RoleSupervisor, PermApprove, true}, {RoleAnalyst, PermExport, true},
		{"", PermViewComplaints, false}, {RoleCustomer, PermViewComplaints, false},
		{RoleAuditor, PermStaff, true}, {RoleAgent, PermStaff, false}, {RoleSupervisor, PermOperate, true},
		{RoleAnalyst, PermOperate, false}, {RoleAnalyst, PermModels, true}, {RoleHandler, PermModels, false},
		{RoleAdmin, PermOperate, true},
	} {
		if err := Can(Actor{Role: tc.role}, tc.perm); (err == nil) != tc.ok {
			t.Errorf("Can(%s, %s) = %v, want ok=%v", tc.role, tc.perm, err, tc.ok)
		}
	}
}

func TestAuthority(t *testing.T) {
	a := DefaultAuthority
	h := Actor{Role: RoleHandler}
	if err := a.CheckProposal(h, &Proposal{Remedy: RemedyRefund, Amount: 500_00}); err != nil {
		t.Errorf("at the limit: %v", err)
	}
	if err := a.CheckProposal(h, &Proposal{Remedy: RemedyRefund, Amount: 500_01}); ErrorCodeOf(err) != EForbidden {
		t.Errorf("above the limit: %v", err)
	}
	if err := a.CheckProposal(Actor{Role: RoleAnalyst}, &Proposal{Remedy: RemedyApology}); err != nil {
		t.Errorf("no amount needs no authority: %v", err)
	}
	if err := a.CheckApproval(Actor{Role: RoleDeptHead}, 4_000_00); err != nil {
		t.Errorf("department head approves 4000: %v", err)
	}
	if err := a.CheckApproval(Actor{Role: RoleDeptHead}, 6_000_00); ErrorCodeOf(err) != EForbidden {
		t.Errorf("department head approves 6000: %v", err)
	}
	if err := a.CheckApproval(Actor{Role: RoleHandler}, 1); ErrorCodeOf(err) != EForbidden {
		t.Errorf("handler approves: %v", err)
	}
	if err := a.CheckApproval(Actor{Role: RoleAdmin}, 1_000_000_00); err != nil {
		t.Errorf("admin: %v", err)
	}
}

func TestFillScript(t *testing.T) {
	got := FillScript("{{name}}您好，投诉 {{ number }} 由{{handler}}处理，{{unknown}}{{", map[string]string{"name": "张先生", "number": "TS1", "handler": "李四"})
	if got != "张先生您好，投诉 TS1 由李四处理，{{unknown}}{{" {
		t.Errorf("FillScript: %q", got)
	}
}
