package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/auth"
	"github.com/kesu/kesu/store"
)

// DefaultPassword is the one password of every demo account. It is printed
// by `kesu demo`: demo data only, never for a real installation.
const DefaultPassword = "kesu-demo-2026"

// EmailDomain is the domain of the demo accounts' logins.
const EmailDomain = "demo.kesu.local"

var departments = []kesu.Department{
	{Code: "customer_service", Name: "客服中心"},
	{Code: "after_sales", Name: "售后部"},
	{Code: "logistics", Name: "物流部"},
	{Code: "quality", Name: "质量部"},
	{Code: "finance", Name: "财务部"},
	{Code: "store_ops", Name: "门店运营部"},
	{Code: "legal", Name: "法务合规部"},
}

// categoryDef is a node of the demo category tree.
type categoryDef struct {
	code, name, nameEN, parent, department string
}

var categories = []categoryDef{
	{"product_quality", "产品质量", "Product quality", "", "quality"},
	{"product_quality.performance", "性能故障", "Malfunction", "product_quality", "quality"},
	{"product_quality.appearance", "外观瑕疵", "Cosmetic defect", "product_quality", "quality"},
	{"product_quality.safety", "安全隐患", "Safety hazard", "product_quality", "quality"},
	{"product_quality.mismatch", "与描述不符", "Not as described", "product_quality", "quality"},
	{"logistics", "物流配送", "Logistics and delivery", "", "logistics"},
	{"logistics.delay", "配送延误", "Late delivery", "logistics", "logistics"},
	{"logistics.damage", "货物破损", "Damaged in transit", "logistics", "logistics"},
	{"logistics.lost", "丢件错送", "Lost or misdelivered", "logistics", "logistics"},
	{"service_attitude", "服务态度", "Service attitude", "", "customer_service"},
	{"service_attitude.rude", "态度恶劣", "Rude staff", "service_attitude", "customer_service"},
	{"service_attitude.unresponsive", "响应迟缓", "Slow response", "service_attitude", "customer_service"},
	{"after_sales_repair", "售后维修", "After-sales repair", "", "after_sales"},
	{"after_sales_repair.repeat", "反复维修", "Repeated repairs", "after_sales_repair", "after_sales"},
	{"after_sales_repair.delay", "维修超时", "Repair delays", "after_sales_repair", "after_sales"},
	{"after_sales_repair.charge", "保内收费", "Charged under warranty", "after_sales_repair", "after_sales"},
	{"pricing", "价格收费", "Pricing and charges", "", "finance"},
	{"pricing.overcharge", "乱收费", "Unexpected charges", "pricing", "finance"},
	{"pricing.refund", "退款问题", "Refund problems", "pricing", "finance"},
	{"false_advertising", "虚假宣传", "False advertising", "", "legal"},
	{"contract_terms", "合同条款", "Contract terms", "", "legal"},
	{"debt_collection", "催收行为", "Debt collection conduct", "", "legal"},
	{"privacy_security", "隐私安全", "Privacy and security", "", "legal"},
	{"store_service", "门店服务", "In-store service", "", "store_ops"},
	{"suggestions", "意见建议", "Feedback and suggestions", "", "customer_service"},
}

// staffDef is a demo account; login is the part before the @.
type staffDef struct {
	login, name string
	role        kesu.Role
	department  string
}

func staffDefs() []staffDef {
	defs := []staffDef{
		{"admin", "演示管理员", kesu.RoleAdmin, ""},
		{"chen.xiaomin", "陈晓敏", kesu.RoleAgent, "customer_service"},
		{"liu.jia", "刘佳", kesu.RoleAgent, "customer_service"},
		{"wang.lei", "王磊", kesu.RoleAgent, "customer_service"},
		{"zhao.ting", "赵婷", kesu.RoleAgent, "customer_service"},
		{"sun.hao", "孙浩", kesu.RoleAgent, "customer_service"},
		{"zhou.ying", "周颖", kesu.RoleAgent, "customer_service"},
		{"li.jianguo", "李建国", kesu.RoleSupervisor, "customer_service"},
		{"zheng.lihua", "郑丽华", kesu.RoleSupervisor, "customer_service"},
		{"he.siyuan", "何思远", kesu.RoleAnalyst, "quality"},
		{"ma.wenjing", "马文静", kesu.RoleAuditor, "legal"},
	}
	perDept := map[string][3][2]string{ // head, handler, handler
		"customer_service": {{"yang.fan", "杨帆"}, {"huang.lei", "黄蕾"}, {"xu.ming", "徐明"}},
		"after_sales":      {{"wu.gang", "吴刚"}, {"zhu.feng", "朱峰"}, {"hu.xiaoyan", "胡晓燕"}},
		"logistics":        {{"guo.qiang", "郭强"}, {"lin.tao", "林涛"}, {"luo.jing", "罗静"}},
		"quality":          {{"gao.jianping", "高建平"}, {"liang.zhiwei", "梁志伟"}, {"song.yu", "宋雨"}},
		"finance":          {{"tang.min", "唐敏"}, {"han.xue", "韩雪"}, {"feng.chao", "冯超"}},
		"store_ops":        {{"deng.li", "邓丽"}, {"cao.yang", "曹阳"}, {"peng.fei", "彭飞"}},
		"legal":            {{"zeng.xianwen", "曾宪文"}, {"xiao.ya", "肖雅"}, {"tian.ye", "田野"}},
	}
	for _, d := range departments { // in a fixed order: maps iterate randomly
		p := perDept[d.Code]
		defs = append(defs, staffDef{p[0][0], p[0][1], kesu.RoleDeptHead, d.Code},
			staffDef{p[1][0], p[1][1], kesu.RoleHandler, d.Code},
			staffDef{p[2][0], p[2][1], kesu.RoleHandler, d.Code})
	}
	return defs
}

// staff are the demo accounts as actors, by what they do.
type staff struct {
	users       []kesu.User
	admin       kesu.Actor
	agents      []kesu.Actor
	supervisors []kesu.Actor
	analysts    []kesu.Actor
	heads       map[string]kesu.Actor
	handlers    map[string][]kesu.Actor
}

// orgResult is what ensureOrg set up, for the summary.
type orgResult struct {
	departments []kesu.Department
	categories  int
	staff       staff
	created     int // departments, categories and users created now
}

// ensureOrg creates the demo departments, categories and accounts, reusing
// those that exist already (a second run, or an installation that has them).
func ensureOrg(ctx context.Context, db *store.DB, password string, now time.Time) (orgResult, error) {
	var res orgResult
	for _, d := range departments {
		got, err := db.CreateDepartment(ctx, d, "", now)
		switch kesu.ErrorCodeOf(err) {
		case "":
			res.created++
		case kesu.EConflict:
			if got, err = db.Department(ctx, d.Code); err != nil {
				return res, err
			}
			if !got.Active {
				return res, kesu.Errorf(kesu.EConflict, "department %s exists but is inactive; activate it or use another database", d.Code)
			}
		default:
			return res, fmt.Errorf("department %s: %w", d.Code, err)
		}
		res.departments = append(res.departments, got)
	}

	existing, err := db.Categories(ctx)
	if err != nil {
		return res, err
	}
	have := map[string]kesu.Category{}
	for _, c := range existing {
		have[c.Code] = c
	}
	for _, c := range categories {
		if got, ok := have[c.code]; ok {
			if !got.Active {
				return res, kesu.Errorf(kesu.EConflict, "category %s exists but is inactive; activate it or use another database", c.code)
			}
			res.categories++
			continue
		}
		_, err := db.CreateCategory(ctx, kesu.Category{Code: c.code, Name: c.name, NameEN: c.nameEN},
			store.CategoryRefs{Parent: c.parent, Department: c.department}, now)
		if err != nil && kesu.ErrorCodeOf(err) != kesu.EConflict { // conflict: another process made it
			return res, fmt.Errorf("category %s: %w", c.code, err)
		}
		if err == nil {
			res.created++
		}
		res.categories++
	}

	// bcrypt is slow on purpose: hash the shared password once, and only if
	// an account is missing.
	hash := ""
	st := staff{heads: map[string]kesu.Actor{}, handlers: map[string][]kesu.Actor{}}
	for _, def := range staffDefs() {
		email := def.login + "@" + EmailDomain
		u, _, err := db.UserByEmail(ctx, email)
		if kesu.ErrorCodeOf(err) == kesu.ENotFound {
			if hash == "" {
				if err := kesu.ValidatePassword(password); err != nil {
					return res, err
				}
				if hash, err = auth.HashPassword(password); err != nil {
					return res, err
				}
			}
			u, err = db.CreateUser(ctx, kesu.User{Email: email, Name: def.name, Role: def.role}, def.department, hash, now)
			if kesu.ErrorCodeOf(err) == kesu.EConflict {
				u, _, err = db.UserByEmail(ctx, email)
			} else if err == nil {
				res.created++
			}
		}
		if err != nil {
			return res, fmt.Errorf("user %s: %w", email, err)
		}
		if u.Role != def.role {
			return res, kesu.Errorf(kesu.EConflict, "user %s exists with role %s, the demo needs %s", email, u.Role, def.role)
		}
		if u.Role.DepartmentScoped() && !sameDepartment(res.departments, u.DepartmentID, def.department) {
			return res, kesu.Errorf(kesu.EConflict, "user %s exists in another department than %s", email, def.department)
		}
		st.users = append(st.users, u)
		a := u.Actor()
		switch u.Role {
		case kesu.RoleAdmin:
			st.admin = a
		case kesu.RoleAgent:
			st.agents = append(st.agents, a)
		case kesu.RoleSupervisor:
			st.supervisors = append(st.supervisors, a)
		case kesu.RoleAnalyst:
			st.analysts = append(st.analysts, a)
		case kesu.RoleDeptHead:
			st.heads[def.department] = a
		case kesu.RoleHandler:
			st.handlers[def.department] = append(st.handlers[def.department], a)
		}
	}
	res.staff = st
	return res, nil
}

func sameDepartment(deps []kesu.Department, id int64, code string) bool {
	for _, d := range deps {
		if d.Code == code {
			return d.ID == id
		}
	}
	return false
}

// categoryDepartment is the department that owns a demo category.
func categoryDepartment(code string) string {
	for _, c := range categories {
		if c.code == code {
			return c.department
		}
	}
	return "customer_service"
}
