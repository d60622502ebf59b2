package demo

import "github.com/kesu/kesu"

// The corpus the generator composes complaints from. Chinese first; every
// list that a complaint in English draws from has English entries too.
// Brands, stores and companies are invented.

// text is one phrase in both languages; en may be empty where the Chinese
// phrase has no English counterpart worth writing.
type text struct{ zh, en string }

// product is something customers buy and complain about.
type product struct {
	kind   string // appliance, phone, battery, parcel, food, card, broadband
	name   string
	nameEN string
	models []string
	price  [2]int // yuan, inclusive range
	// faults are malfunctions of this product: a short title part and a
	// sentence for the description.
	faults []problem
}

// problem is what went wrong: a title and a sentence of description.
type problem struct {
	title, detail     string
	titleEN, detailEN string
}

var products = []product{
	{kind: "appliance", name: "空调", nameEN: "air conditioner", models: []string{"禾光 KFR-35GW/A1", "禾光 KFR-26GW/N3", "北辰 KF-72LW/Z2"}, price: [2]int{2399, 5999},
		faults: []problem{
			{"空调制冷效果差", "制冷效果很差，开到16度屋里还是二十七八度", "Air conditioner barely cools", "it hardly cools at all; even at 16°C the room stays at 28°C"},
			{"空调外机噪音大", "外机噪音特别大，像拖拉机一样，晚上根本睡不着，邻居也来投诉", "Outdoor unit extremely noisy", "the outdoor unit is as loud as a tractor and we cannot sleep"},
			{"空调频繁报故障代码", "隔三差五就显示E1故障代码然后自动停机", "Air conditioner keeps showing error E1", "it shows error code E1 every few days and shuts down"},
			{"空调室内机漏水", "室内机一直往下滴水，墙面都泡坏了", "Indoor unit leaking water", "the indoor unit keeps dripping water and the wall is damaged"},
		}},
	{kind: "appliance", name: "冰箱", nameEN: "refrigerator", models: []string{"禾光 BCD-520WPU", "澜庭 BCD-405", "北辰 BCD-610 对开门"}, price: [2]int{2599, 7999},
		faults: []problem{
			{"冰箱冷藏室不制冷", "冷藏室不制冷，食物放一天就坏了", "Fridge compartment not cooling", "the fridge compartment does not cool and food spoils in a day"},
			{"冰箱异响", "压缩机启动时咔咔响，半夜声音特别明显", "Fridge makes loud clicking noise", "the compressor clicks loudly, especially at night"},
			{"冰箱门封条脱落", "门封条脱落关不严，冷冻室结了厚厚一层霜", "Fridge door seal came off", "the door seal came off and the freezer is covered in frost"},
		}},
	{kind: "appliance", name: "洗衣机", nameEN: "washing machine", models: []string{"禾光 XQG100-B14", "澜庭 XQB80-Q1", "北辰 滚筒 10KG"}, price: [2]int{1599, 4599},
		faults: []problem{
			{"洗衣机脱水时剧烈晃动", "脱水时机身剧烈晃动，还报E4故障码", "Washing machine shakes violently", "it shakes violently when spinning and shows error E4"},
			{"洗衣机不排水", "洗完衣服不排水，桶里一直有积水，衣服都有味了", "Washing machine does not drain", "it does not drain and the clothes smell"},
			{"洗衣机门锁打不开", "洗完以后门锁打不开，衣服被锁在里面两天了", "Washing machine door stays locked", "the door stays locked after the wash"},
		}},
	{kind: "appliance", name: "电视", nameEN: "TV", models: []string{"启明 65E7Q", "启明 55A5", "北辰 75寸 Mini LED"}, price: [2]int{2999, 8999},
		faults: []problem{
			{"电视频繁黑屏", "看着看着就黑屏，重启也没用，一天要黑好几次", "TV screen keeps going black", "the screen goes black several times a day"},
			{"电视屏幕出现竖线", "屏幕中间出现了一条彩色竖线，越来越明显", "Vertical line on the TV screen", "a coloured vertical line appeared on the screen"},
			{"电视开机广告关不掉", "每次开机都有三十秒广告，设置里根本找不到关闭的地方", "Unskippable boot ads on TV", "every start shows a 30-second ad that cannot be turned off"},
		}},
	{kind: "appliance", name: "热水器", nameEN: "water heater", models: []string{"禾光 JSQ25-13", "澜庭 电热 60L"}, price: [2]int{1099, 3299},
		faults: []problem{
			{"热水器水温忽冷忽热", "水温忽冷忽热，洗着洗着突然变凉水", "Water heater temperature unstable", "the water turns cold in the middle of a shower"},
			{"热水器点不着火", "经常点不着火，要开关好几次才出热水", "Water heater fails to ignite", "it often fails to ignite"},
		}},
	{kind: "appliance", name: "扫地机器人", nameEN: "robot vacuum", models: []string{"启明 S10 Pro", "启明 T8"}, price: [2]int{1499, 3999},
		faults: []problem{
			{"扫地机器人找不到充电座", "经常找不到充电座，建好的地图也乱了", "Robot vacuum cannot find its dock", "it cannot find its dock and the map keeps resetting"},
			{"扫地机器人App连不上", "App一直显示离线，重新配网十几次都连不上", "Robot vacuum app offline", "the app shows it offline and re-pairing fails"},
		}},
	{kind: "phone", name: "手机", nameEN: "phone", models: []string{"星河 X20", "星河 X20 Pro", "星河 Note 12"}, price: [2]int{1799, 6999},
		faults: []problem{
			{"手机频繁死机重启", "用着用着就死机重启，一天好几次，重要电话都漏接了", "Phone keeps freezing and rebooting", "it freezes and reboots several times a day"},
			{"手机电池不耐用", "充满电不到半天就没电了，待机也掉电很快", "Phone battery drains fast", "a full charge lasts less than half a day"},
			{"手机信号差", "信号特别差，在家里经常显示无服务，同事的手机在旁边信号满格", "Phone has poor reception", "it often shows no service where other phones work"},
			{"手机屏幕触控失灵", "屏幕下半部分触控失灵，打字都打不了", "Phone touchscreen unresponsive", "the lower half of the touchscreen does not respond"},
		}},
	{kind: "phone", name: "蓝牙耳机", nameEN: "wireless earbuds", models: []string{"星河 Buds 3", "星河 Buds Lite"}, price: [2]int{199, 1299},
		faults: []problem{
			{"蓝牙耳机一边没声音", "左耳机没有声音，重置配对也没用", "One earbud silent", "the left earbud has no sound even after resetting"},
			{"耳机充电盒充不进电", "充电盒充不进电，指示灯不亮", "Earbud case will not charge", "the charging case does not charge"},
		}},
	{kind: "phone", name: "笔记本电脑", nameEN: "laptop", models: []string{"星河 Book 14", "星河 Book Pro 16"}, price: [2]int{4299, 9999},
		faults: []problem{
			{"笔记本电脑蓝屏", "开机十几分钟就蓝屏，资料都没保存", "Laptop blue-screens", "it blue-screens after a few minutes and I lose my work"},
			{"笔记本键盘按键失灵", "键盘好几个按键失灵，按下去没反应", "Laptop keys not working", "several keys do not respond"},
		}},
	{kind: "battery", name: "汽车蓄电池", nameEN: "car battery", models: []string{"禾光动力 LB-60Ah", "禾光动力 LB-70Ah", "禾光动力 AGM-80"}, price: [2]int{499, 1299},
		faults: []problem{
			{"蓄电池亏电车辆无法启动", "才装了两个月，早上车就打不着火，救援师傅说是电池亏电", "Car battery dead after two months", "after two months the car will not start; the battery is flat"},
			{"蓄电池电量衰减快", "电量衰减特别快，停两天车就启动困难", "Car battery loses charge quickly", "after two days parked the car barely starts"},
		}},
	{kind: "battery", name: "电动自行车锂电池", nameEN: "e-bike battery", models: []string{"禾光 48V20Ah", "禾光 60V24Ah"}, price: [2]int{1199, 2599},
		faults: []problem{
			{"电动车电池续航严重缩水", "标称续航80公里，现在充满电只能跑30公里", "E-bike battery range halved", "the range dropped from 80 km to 30 km"},
			{"电动车电池充不满", "充了一晚上电量还是只到60%", "E-bike battery will not fully charge", "it never charges past 60%"},
		}},
	{kind: "parcel", name: "快递包裹", nameEN: "parcel", models: []string{"标准快递", "次日达", "大件物流"}, price: [2]int{12, 45}},
	{kind: "food", name: "外卖订单", nameEN: "food delivery order", models: []string{"午餐", "晚餐", "夜宵"}, price: [2]int{25, 168}},
	{kind: "card", name: "信用卡", nameEN: "credit card", models: []string{"禾光联名白金卡", "标准金卡"}, price: [2]int{0, 0}},
	{kind: "card", name: "借记卡", nameEN: "debit card", models: []string{"一类账户借记卡"}, price: [2]int{0, 0}},
	{kind: "broadband", name: "家庭宽带", nameEN: "home broadband", models: []string{"500M光纤套餐", "1000M融合套餐", "300M单宽带"}, price: [2]int{69, 199}},
}

// scenario is a kind of complaint: its category, the products it concerns
// and what typically went wrong, was wanted and turned out to be the cause.
type scenario struct {
	category string
	kinds    []string // product kinds; empty means any
	weight   int
	// fromFaults takes the problem from the product's faults instead of problems.
	fromFaults bool
	problems   []problem
	remedies   []kesu.Remedy
	nature     kesu.Nature
	immediate  bool    // happened during the experience (即时)
	severe     float64 // extra chance of being major or critical
	causes     []string
	causeNotes []text
}

var scenarios = []scenario{
	{category: "product_quality.performance", kinds: []string{"appliance", "phone", "battery"}, weight: 16, fromFaults: true,
		remedies: []kesu.Remedy{kesu.RemedyRepair, kesu.RemedyExchange, kesu.RemedyRefund, kesu.RemedyExtendedWarranty},
		nature:   kesu.NatureProduct, causes: []string{"product.quality", "product.design", "product.quality"},
		causeNotes: []text{
			{"经售后检测为核心部件故障，属产品质量问题，已反馈生产厂家。", "Inspection found a faulty core component; reported to the manufacturer."},
			{"同批次已有多起同类反馈，怀疑元器件批次不良，已提交质量部分析。", "Several reports from the same batch; suspected bad component lot."},
			{"检测发现安装不规范导致故障，非产品本身问题，但安装为我司外包服务商完成。", "Faulty installation by our contracted installer caused the problem."},
		}},
	{category: "product_quality.appearance", kinds: []string{"appliance", "phone"}, weight: 5,
		problems: []problem{
			{"收到的{p}外壳有明显划痕", "拆开包装发现机身外壳有好几道明显划痕，像是被人用过的", "{P} arrived scratched", "the casing has several deep scratches, it looks used"},
			{"{p}屏幕边缘有裂纹", "开箱就发现屏幕边缘有一道裂纹，快递员已经走了", "{P} screen cracked out of the box", "the screen had a crack at the edge when I opened the box"},
			{"{p}颜色与页面展示不符", "收到的颜色和商品页面展示的差别很大，页面上是浅灰色，实物发黄", "{P} colour differs from the listing", "the colour is clearly different from the product page"},
			{"{p}包装完好但机身凹陷", "外包装完好，但机身侧面有一个明显的凹坑", "{P} dented", "the box was intact but the side of the device is dented"},
		},
		remedies: []kesu.Remedy{kesu.RemedyExchange, kesu.RemedyRefund, kesu.RemedyCompensation},
		nature:   kesu.NatureProduct, immediate: true, causes: []string{"product.packaging", "product.quality", "management.process"},
		causeNotes: []text{
			{"出库质检漏检，仓库已加强开箱抽检。", "Outbound inspection missed it; warehouse spot checks tightened."},
			{"运输包装缓冲不足导致磕碰。", "Insufficient packaging padding caused the damage."},
		}},
	{category: "product_quality.safety", kinds: []string{"appliance", "phone", "battery"}, weight: 4, severe: 0.6,
		problems: []problem{
			{"{p}充电时发烫冒烟", "充电的时候机身烫得不敢摸，还冒出一股焦糊味，差点着火", "{P} overheats and smokes while charging", "it got too hot to touch and smelled of burning while charging"},
			{"{p}漏电", "使用时手被电麻了一下，用电笔测外壳带电，家里还有小孩，太危险了", "{P} gives electric shocks", "I got a shock from the casing; there are children at home"},
			{"{p}鼓包变形", "外壳鼓包变形，已经不敢再用了", "{P} swelling", "the casing is swollen and deformed"},
			{"{p}突然起火", "正常使用中突然起火，幸亏家里有人及时扑灭，墙面和家具都被熏黑了", "{P} caught fire", "it suddenly caught fire; we put it out but the wall and furniture are blackened"},
		},
		remedies: []kesu.Remedy{kesu.RemedyRefund, kesu.RemedyCompensation, kesu.RemedyReplacement},
		nature:   kesu.NatureProduct, causes: []string{"product.safety", "product.quality"},
		causeNotes: []text{
			{"送第三方检测，确认电芯存在缺陷，已启动同批次排查。", "Third-party test confirmed a cell defect; batch investigation started."},
			{"检测发现接地线虚接，为生产工艺问题，已通知工厂整改。", "Loose earth wire from the production process; the factory was told to correct it."},
		}},
	{category: "product_quality.mismatch", kinds: []string{"appliance", "phone"}, weight: 3,
		problems: []problem{
			{"{p}实际配置与宣传不符", "实际配置和商品详情页写的不一样，页面写的是{spec}，收到的却不是", "{P} specs differ from the listing", "the actual specification is not what the listing said"},
			{"{p}缺少配件", "包装里缺少说明书上写的配件，安装附件都没有", "{P} missing accessories", "accessories listed in the manual are missing"},
		},
		remedies: []kesu.Remedy{kesu.RemedyExchange, kesu.RemedyRefund, kesu.RemedyReplacement},
		nature:   kesu.NatureProduct, immediate: true, causes: []string{"product.function_mismatch", "market.false_advertising"},
		causeNotes: []text{{"商品详情页参数录入错误，已更正。", "The product page listed wrong specs; corrected."}}},
	{category: "logistics.delay", kinds: []string{"parcel", "appliance", "food"}, weight: 11,
		problems: []problem{
			{"快递{days}天未送达", "快递显示已发货{days}天了，物流信息一直停在{city}转运中心，打电话问也说不清楚", "Parcel stuck for {days} days", "the tracking has been stuck at the {cityEN} hub for {days} days"},
			{"预约送装无人上门", "约好{visit}上门送货安装，我请了一天假在家等，结果没人来，电话也打不通", "No-show for scheduled delivery", "I took a day off for the scheduled delivery and nobody came"},
			{"外卖超时{n}0分钟", "外卖超时{n}0多分钟才送到，饭菜全凉了，汤也洒了一半", "Food delivery {n}0 minutes late", "the order arrived {n}0 minutes late and cold"},
			{"物流显示派送中却一直不送", "物流连续三天显示“派送中”，但一直没有人送，快递员电话关机", "Parcel 'out for delivery' for days", "it has shown 'out for delivery' for three days"},
		},
		remedies: []kesu.Remedy{kesu.RemedyCompensation, kesu.RemedyApology, kesu.RemedyRefund, kesu.RemedyExplanation},
		nature:   kesu.NatureService, causes: []string{"management.staffing", "service.late_handling", "management.process"},
		causeNotes: []text{
			{"中转站业务量激增、人手不足导致积压，已临时增派人员。", "A volume surge at the hub with too few staff; temporary staff added."},
			{"配送站排班失误，预约单未分配到人。", "Dispatch roster error: the appointment was never assigned."},
			{"恶劣天气导致干线运输延误。", "Severe weather delayed line haul."},
		}},
	{category: "logistics.damage", kinds: []string{"parcel", "appliance"}, weight: 4,
		problems: []problem{
			{"收到包裹外箱破损，商品摔坏", "收到时外箱已经破了，里面的东西摔碎了，快递员催着签收不让验货", "Parcel arrived broken", "the box was torn and the contents broken; the courier rushed me to sign"},
			{"大件送货时磕坏家门", "送货师傅搬运时把我家防盗门和地板磕坏了，当时承认了，事后不认账", "Delivery crew damaged my door", "the delivery crew damaged my door and floor and later denied it"},
		},
		remedies: []kesu.Remedy{kesu.RemedyCompensation, kesu.RemedyReplacement, kesu.RemedyRefund},
		nature:   kesu.NatureService, immediate: true, causes: []string{"service.skills", "management.training"},
		causeNotes: []text{{"快递员未按规范搬运及验货，已培训并处罚。", "The courier ignored handling rules; retrained and fined."}}},
	{category: "logistics.lost", kinds: []string{"parcel"}, weight: 4,
		problems: []problem{
			{"快递显示签收但本人未收到", "物流显示已签收，但我根本没收到，也没有人给我打电话", "Parcel marked delivered but not received", "tracking says delivered but I never got it"},
			{"快递被放在门口丢失", "快递员没经过我同意直接把包裹放在门口，回家时东西已经不见了", "Parcel left at the door and lost", "the courier left it at my door without asking and it was gone"},
			{"快递送错地址", "包裹被送到了隔壁小区，对方拆开用了一部分才还给我", "Parcel delivered to the wrong address", "it went to the wrong address"},
		},
		remedies: []kesu.Remedy{kesu.RemedyCompensation, kesu.RemedyReplacement, kesu.RemedyRefund},
		nature:   kesu.NatureService, causes: []string{"service.promise_broken", "management.supervision"},
		causeNotes: []text{{"快递员违规代签，已追责。", "The courier signed for it himself; disciplined."}}},
	{category: "service_attitude.rude", weight: 7, severe: 0.1,
		problems: []problem{
			{"客服态度恶劣挂断电话", "客服态度非常差，我才问了两句就不耐烦，直接把我电话挂了", "Hotline agent hung up on me", "the agent was impatient and hung up on me"},
			{"门店店员出言不逊", "门店店员说话很冲，还说“爱买不买”，当着其他顾客的面让我很难堪", "Store clerk was rude", "the clerk told me to 'buy it or leave' in front of other customers"},
			{"快递员态度恶劣", "快递员打电话让我自己下楼取件，我说腿脚不方便，他直接骂人", "Courier was abusive", "the courier swore at me when I asked him to bring the parcel up"},
			{"维修师傅态度差", "上门的维修师傅全程玩手机，问他问题爱答不理", "Repair technician was dismissive", "the technician ignored my questions and played on his phone"},
		},
		remedies: []kesu.Remedy{kesu.RemedyApology, kesu.RemedyExplanation, kesu.RemedyCompensation},
		nature:   kesu.NatureService, immediate: true, causes: []string{"service.attitude", "management.training", "service.communication"},
		causeNotes: []text{
			{"调取通话录音确认客服服务用语不规范，已约谈并安排复训。", "Call recording confirmed improper language; agent coached and retrained."},
			{"涉事员工为新入职人员，服务规范培训不到位。", "A new employee who had not been trained in service standards."},
		}},
	{category: "service_attitude.unresponsive", weight: 6,
		problems: []problem{
			{"客服电话打不通", "打了{n}次客服电话都没人接，在线客服也只有机器人自动回复", "Cannot reach customer service", "I called {n} times with no answer; online chat is only a bot"},
			{"承诺回电迟迟未回", "上次客服说24小时内给我回电，现在三天过去了，一个电话都没有", "Promised callback never came", "they promised a callback within 24 hours; three days later nothing"},
			{"问题被来回推诿", "客服让我找门店，门店让我找厂家，厂家又让我找客服，来回踢皮球", "Passed back and forth", "customer service, the store and the manufacturer keep passing me on"},
		},
		remedies: []kesu.Remedy{kesu.RemedyApology, kesu.RemedyExplanation, kesu.RemedyCompensation},
		nature:   kesu.NatureService, causes: []string{"service.slow_response", "management.staffing", "management.process"},
		causeNotes: []text{{"工单流转环节缺少时限提醒，回电任务被遗漏。", "No deadline reminder on the hand-off, so the callback was missed."}}},
	{category: "after_sales_repair.repeat", kinds: []string{"appliance", "phone", "battery"}, weight: 6, severe: 0.1,
		problems: []problem{
			{"{p}反复维修仍未修好", "这台{p}已经维修{n}次了，每次修好用不了几天又坏，同一个问题", "{P} repaired {n} times, still broken", "it has been repaired {n} times for the same fault"},
			{"{p}维修后出现新问题", "上次维修完之后原来的问题没解决，反而又多了新毛病", "New fault after repair", "after the repair the old fault remains and there is a new one"},
		},
		remedies: []kesu.Remedy{kesu.RemedyExchange, kesu.RemedyRefund, kesu.RemedyExtendedWarranty},
		nature:   kesu.NatureProduct, causes: []string{"product.after_sales", "service.skills"},
		causeNotes: []text{{"维修网点误判故障，仅更换外围配件，未根治。", "The repair shop misdiagnosed the fault and replaced the wrong part."}}},
	{category: "after_sales_repair.delay", kinds: []string{"appliance", "phone"}, weight: 4,
		problems: []problem{
			{"送修{n}周未修好", "{p}送修已经{n}周了还没修好，每次问都说在等配件", "{P} in repair for {n} weeks", "it has been in repair for {n} weeks, 'waiting for parts'"},
			{"报修后无人上门", "报修{days}天了一直没有师傅上门，催了好几次", "No technician {days} days after booking", "I booked a repair {days} days ago and nobody came"},
		},
		remedies: []kesu.Remedy{kesu.RemedyExchange, kesu.RemedyCompensation, kesu.RemedyRepair},
		nature:   kesu.NatureService, causes: []string{"service.late_handling", "management.staffing", "product.after_sales"},
		causeNotes: []text{{"配件供应商断货，备件库存预警失效。", "The part was out of stock at the supplier; stock alert failed."}}},
	{category: "after_sales_repair.charge", kinds: []string{"appliance", "phone"}, weight: 3,
		problems: []problem{
			{"保修期内维修被收费", "还在保修期内，维修师傅却说是人为损坏，要收{amount}元维修费", "Charged for a repair under warranty", "it is under warranty but they want {amount} yuan, claiming misuse"},
			{"上门检测收取高额费用", "师傅上门看了五分钟，收了{amount}元上门费和检测费，问题也没解决", "High call-out fee", "the technician charged {amount} yuan for five minutes and fixed nothing"},
		},
		remedies: []kesu.Remedy{kesu.RemedyRefund, kesu.RemedyRepair, kesu.RemedyExplanation},
		nature:   kesu.NatureService, causes: []string{"management.policy", "service.promise_broken"},
		causeNotes: []text{{"服务网点未按保修政策执行，私自收费，已责令退还。", "The service point ignored the warranty policy; ordered to refund."}}},
	{category: "pricing.overcharge", kinds: []string{"broadband", "card", "food"}, weight: 6,
		problems: []problem{
			{"宽带账单多扣费", "这个月宽带账单里多扣了{amount}元增值业务费，我从来没开通过这个业务", "Unknown add-on charge on broadband bill", "{amount} yuan for an add-on I never ordered"},
			{"信用卡被收取年费", "信用卡被收取年费{amount}元，办卡时业务员说好首年免年费、刷满6次免次年年费", "Credit card annual fee charged", "I was charged a {amount} yuan annual fee I was promised would be waived"},
			{"外卖订单多收打包费", "订单里有一项{amount}元的打包费，下单页面上根本没显示", "Hidden packing fee", "a {amount} yuan packing fee that was not shown when ordering"},
			{"会员自动续费未提醒", "会员到期前没有任何提醒就自动续费扣了{amount}元", "Auto-renewal without notice", "membership renewed automatically for {amount} yuan without notice"},
		},
		remedies: []kesu.Remedy{kesu.RemedyRefund, kesu.RemedyExplanation},
		nature:   kesu.NatureService, causes: []string{"market.pricing", "management.system", "management.policy"},
		causeNotes: []text{
			{"计费系统套餐配置错误，导致部分用户被重复计费。", "A billing configuration error double-charged some customers."},
			{"营销活动规则未在页面显著提示。", "The campaign rules were not shown clearly."},
		}},
	{category: "pricing.refund", kinds: []string{"appliance", "phone", "food", "parcel"}, weight: 6,
		problems: []problem{
			{"退货{days}天退款未到账", "退货已经{days}天了，商家也确认收到退货，退款一直没到账", "Refund not received after {days} days", "the return was received {days} days ago but no refund"},
			{"取消订单后未退款", "取消订单后说好原路退回，到现在还没有退款", "No refund after cancellation", "I cancelled the order and the refund never arrived"},
			{"价保申请被拒", "买完第二天就降价{amount}元，申请价保被拒绝，说活动商品不参加", "Price protection refused", "the price dropped {amount} yuan a day later and price protection was refused"},
		},
		remedies: []kesu.Remedy{kesu.RemedyRefund, kesu.RemedyCompensation, kesu.RemedyExplanation},
		nature:   kesu.NatureService, causes: []string{"management.process", "management.system", "market.pricing"},
		causeNotes: []text{{"退款审核环节积压，财务系统对账延迟。", "Refund approvals backlogged; finance reconciliation delayed."}}},
	{category: "false_advertising", kinds: []string{"appliance", "phone", "battery", "broadband"}, weight: 4, severe: 0.15,
		problems: []problem{
			{"{p}续航与宣传严重不符", "宣传页写着“超长续航{n}0小时”，实际用下来连一半都不到", "{P} battery life far below advertised", "advertised {n}0 hours, real use gives less than half"},
			{"宣传“全网最低价”不实", "广告上说“全网最低价”，结果别家便宜{amount}元，我买完第二天你们自己也降价了", "'Lowest price' claim untrue", "advertised as the lowest price but {amount} yuan cheaper elsewhere"},
			{"宣传免费安装实际收费", "宣传写着“免费送装一体”，师傅上门后又收了{amount}元材料费", "'Free installation' was not free", "advertised as free installation, then charged {amount} yuan"},
			{"宽带实际网速远低于宣传", "办的是{model}，实测网速只有宣传的三分之一，晚上更慢", "Broadband far slower than advertised", "real speed is a third of what was advertised"},
		},
		remedies: []kesu.Remedy{kesu.RemedyRefund, kesu.RemedyCompensation, kesu.RemedyExplanation},
		nature:   kesu.NatureOther, causes: []string{"market.false_advertising", "market.expectation_gap"},
		causeNotes: []text{{"宣传文案未经法务审核，用语绝对化，已下架整改。", "Ad copy was not reviewed by legal and used absolute claims; withdrawn."}}},
	{category: "contract_terms", kinds: []string{"broadband", "card", "phone"}, weight: 3,
		problems: []problem{
			{"宽带销户被要求交违约金", "办理宽带时业务员说随时可以取消，现在我搬家要销户，却要我交{amount}元违约金", "Cancellation fee for broadband", "I was told I could cancel any time; now they want {amount} yuan"},
			{"合同自动续约条款未告知", "合同里有自动续约条款，签约时业务员根本没有说明", "Auto-renewal clause not explained", "the auto-renewal clause was never explained"},
			{"分期手续费与约定不符", "办分期时说是免息，实际每期都收了手续费，合计{amount}元", "Instalment fees despite 'interest-free'", "it was sold as interest-free but I paid {amount} yuan in fees"},
		},
		remedies: []kesu.Remedy{kesu.RemedyRefund, kesu.RemedyExplanation, kesu.RemedyOther},
		nature:   kesu.NatureOther, causes: []string{"management.policy", "service.communication", "management.training"},
		causeNotes: []text{{"格式条款未履行提示说明义务，已修订合同模板。", "Standard terms were not pointed out; the contract template was revised."}}},
	{category: "debt_collection", kinds: []string{"card"}, weight: 3, severe: 0.3,
		problems: []problem{
			{"催收电话骚扰家人同事", "催收人员一天打十几个电话，还打给我的同事和家人，严重影响我的工作和生活", "Collectors calling my family and colleagues", "collectors call a dozen times a day, including my family and colleagues"},
			{"催收短信威胁恐吓", "收到的催收短信里说要上门、要通知单位、要起诉我，语气很吓人", "Threatening collection messages", "collection texts threaten to visit, tell my employer and sue me"},
			{"已协商还款仍被催收", "我已经和银行协商好分期还款，也按时还了，催收公司还在一直打电话", "Collection calls despite agreed plan", "I agreed a repayment plan and pay on time but collectors still call"},
		},
		remedies: []kesu.Remedy{kesu.RemedyApology, kesu.RemedyExplanation, kesu.RemedyOther},
		nature:   kesu.NatureService, causes: []string{"management.supervision", "management.policy"},
		causeNotes: []text{{"委外催收机构违规操作，已暂停合作并约谈。", "The outsourced collection agency broke the rules; suspended."}}},
	{category: "privacy_security", kinds: []string{"card", "phone", "food", "appliance"}, weight: 3, severe: 0.2,
		problems: []problem{
			{"个人信息泄露频繁接到推销电话", "在你们这里下单后，每天接到好几个推销电话，对方能准确说出我的姓名、地址和订单信息", "Personal data leaked to telemarketers", "telemarketers know my name, address and order details"},
			{"账户出现非本人消费", "账户出现一笔不是我本人的消费{amount}元，卡一直在我身上", "Unauthorised transaction", "an unauthorised payment of {amount} yuan on my account"},
			{"App过度索取权限", "App在未经同意的情况下读取通讯录和位置信息，不给权限就不能用", "App demands excessive permissions", "the app reads contacts and location without consent"},
		},
		remedies: []kesu.Remedy{kesu.RemedyExplanation, kesu.RemedyRefund, kesu.RemedyApology},
		nature:   kesu.NatureOther, causes: []string{"management.system", "management.supervision"},
		causeNotes: []text{{"第三方服务商接口权限过大，已收回并开展安全审计。", "A contractor's API access was too broad; revoked and audited."}}},
	{category: "store_service", kinds: []string{"appliance", "phone", "broadband", "card"}, weight: 5,
		problems: []problem{
			{"门店排队时间过长", "周末去{store}办业务排了一个多小时，只开了一个窗口", "Hour-long queue in store", "I queued over an hour at {storeEN} with one counter open"},
			{"门店承诺赠品未兑现", "在{store}购买时店员承诺送{gift}，到现在都没给", "Promised gift never given", "the store promised a free gift and never delivered"},
			{"店员私自办理业务", "店员没经过我同意，私自给我办了会员还扣了{amount}元", "Clerk signed me up without consent", "the clerk signed me up for a paid membership without asking"},
		},
		remedies: []kesu.Remedy{kesu.RemedyApology, kesu.RemedyCompensation, kesu.RemedyRefund},
		nature:   kesu.NatureService, immediate: true, causes: []string{"management.staffing", "service.promise_broken", "management.supervision"},
		causeNotes: []text{{"门店周末排班不足，已调整高峰期人员配置。", "The store was understaffed at weekends; peak rota changed."}}},
}

// suggestions are feedback and suggestions (kind feedback/suggestion).
var suggestions = []problem{
	{"建议App增加物流实时查询", "建议在App里增加快递实时位置查询功能，现在只能看到文字信息，很不方便。", "Suggest live parcel tracking in the app", "Please add live map tracking of parcels to the app."},
	{"建议延长客服热线服务时间", "客服热线晚上9点就下班了，上班族根本没时间打，建议延长到晚上10点。", "Extend hotline hours", "The hotline closes at 9 pm, too early for people who work."},
	{"建议增加以旧换新服务", "希望能增加家电以旧换新服务，旧家电处理起来很麻烦。", "Offer trade-in for old appliances", "Please offer trade-in; disposing of old appliances is hard."},
	{"说明书字太小看不清", "产品说明书字太小了，老人根本看不清，建议出大字版或视频教程。", "Manual print too small", "The manual's print is too small for elderly users."},
	{"门店停车不方便", "门店门口停车太难了，每次去都要绕好几圈，希望能和附近停车场合作。", "Parking at the store is difficult", "It is very hard to park near the store."},
	{"对送装服务的意见", "送货师傅挺辛苦的，就是能不能提前半小时打个电话，别到楼下才说。", "Call before delivery", "Could the delivery crew call half an hour ahead?"},
	{"希望支持电子发票", "每次都要去门店开纸质发票，希望能直接在App上开电子发票。", "Support e-invoices", "Please let us get e-invoices in the app."},
	{"会员积分规则太复杂", "会员积分规则太复杂，看了半天也没看懂，积分快过期了也没有提醒。", "Loyalty rules too complex", "The points rules are confusing and expiry is not announced."},
}

// Names of people, composed from common surnames and given names.
var (
	surnames = []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡",
		"郭", "何", "林", "罗", "高", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
		"肖", "田", "董", "潘", "袁", "蔡", "蒋", "余", "于", "杜", "叶", "程", "魏", "苏", "吕", "丁", "任",
		"沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金", "石", "廖", "贾", "夏", "韦", "方",
		"白", "邹", "孟", "熊", "秦", "邱", "江", "尹", "薛", "段", "雷", "侯", "龙", "史", "陶", "贺", "顾",
		"毛", "郝", "龚", "邵", "万", "钱", "严", "武", "戴", "莫", "孔", "汤", "欧阳", "司马"}
	givenNames = []string{"伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰",
		"娟", "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "浩然", "子轩", "欣怡", "梓涵", "宇航",
		"思雨", "雨桐", "俊杰", "晓东", "建国", "建华", "志强", "海燕", "丹", "婷", "雪", "颖", "鹏", "飞",
		"斌", "慧", "琳", "晨", "嘉怡", "一鸣", "振华", "美玲", "国庆", "春梅", "晓峰", "文博", "佳琪",
		"诗涵", "宏伟", "玉兰", "德明", "少华", "婉清", "天宇", "梦瑶", "永刚", "凤英", "立新", "亚楠"}
	englishFirst = []string{"Michael", "Sarah", "David", "Emma", "James", "Olivia", "Daniel", "Sophie",
		"Thomas", "Anna", "Lucas", "Maria", "Kevin", "Laura", "Ahmed", "Yuki", "Peter", "Julia", "Mark", "Nina"}
	englishLast = []string{"Smith", "Johnson", "Müller", "Brown", "Garcia", "Wilson", "Martin", "Tanaka",
		"Kim", "Rossi", "Dubois", "Novak", "Chen", "Wong", "Silva", "Andersen", "Kowalski", "Hughes"}
)

// Mobile prefixes in use in mainland China.
var mobilePrefixes = []string{"130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151",
	"152", "153", "155", "156", "157", "158", "159", "166", "173", "177", "180", "181", "182", "183", "185",
	"186", "187", "188", "189", "191", "195", "198", "199"}

var mailDomains = []string{"qq.com", "qq.com", "163.com", "126.com", "sina.com", "foxmail.com", "outlook.com", "gmail.com"}

var cities = []text{{"北京", "Beijing"}, {"上海", "Shanghai"}, {"广州", "Guangzhou"}, {"深圳", "Shenzhen"},
	{"杭州", "Hangzhou"}, {"成都", "Chengdu"}, {"武汉", "Wuhan"}, {"南京", "Nanjing"}, {"西安", "Xi'an"},
	{"重庆", "Chongqing"}, {"苏州", "Suzhou"}, {"天津", "Tianjin"}, {"长沙", "Changsha"}, {"郑州", "Zhengzhou"},
	{"青岛", "Qingdao"}, {"沈阳", "Shenyang"}, {"合肥", "Hefei"}, {"厦门", "Xiamen"}, {"昆明", "Kunming"}, {"福州", "Fuzhou"}}

var storeSuffixes = []text{{"万达店", "Wanda store"}, {"中心店", "central store"}, {"人民路店", "Renmin Road store"},
	{"解放路店", "Jiefang Road store"}, {"中山路店", "Zhongshan Road store"}, {"高新区店", "Hi-tech Zone store"},
	{"火车站店", "railway station store"}, {"大学城店", "University Town store"}}

var gifts = []string{"一台电饭煲", "一套餐具", "两年延保", "一个蓝牙音箱", "300元购物卡", "一年免费清洗服务"}

// Sentences around the problem.
var (
	// purchase opens a first-person description; {via} is where it was bought.
	purchases = []text{
		{"我于{date}在{via}购买了一台{model}{p}，价格{price}元，订单号{order}。", "On {dateEN} I bought a {model} {pEN} for {price} yuan (order {order})."},
		{"{date}在{via}买的{p}（型号{model}），", "I bought this {pEN} ({model}) on {dateEN}, "},
		{"本人{date}通过{via}下单购买{p}一台，订单号{order}。", "I ordered a {pEN} on {dateEN}, order {order}."},
		{"{date}在{via}买了{p}，", "I bought the {pEN} on {dateEN}, "},
	}
	vias      = []string{"贵公司官方商城", "贵公司App", "{store}", "官方旗舰店", "贵公司微信小程序"}
	histories = []text{
		{"之后我联系了客服，客服让我等通知，结果等了{days}天什么消息都没有。", "I contacted customer service and was told to wait; {days} days later, nothing."},
		{"已经打过{n}次电话了，每次都说会有专人跟进，但一直没人联系我。", "I have called {n} times; each time they promise a follow-up that never comes."},
		{"门店说要找厂家，厂家说要找门店，互相推诿。", "The store and the manufacturer keep blaming each other."},
		{"之前也在App里提交过工单，显示“已处理”，但问题根本没解决。", "I filed a ticket in the app; it says 'handled' but nothing was solved."},
		{"", ""},
	}
	emotions = []text{
		{"真的太气人了！", "This is outrageous!"},
		{"我已经忍了很久了，这次实在忍不下去。", "I have been patient for long enough."},
		{"我是你们的老客户了，买了好几年，这次真的很失望。", "I have been a loyal customer for years and I am very disappointed."},
		{"家里还有老人孩子，这个问题不解决生活都受影响。", "There are elderly people and children at home; this affects our daily life."},
		{"希望你们重视起来，别再推来推去了。", "Please take this seriously and stop passing me around."},
		{"花了这么多钱买到这种东西，心里非常不舒服。", "I paid a lot of money for this and feel cheated."},
	}
	// threats carry the risk words of DOMAIN.md (媒体, 曝光, 律师, 起诉, 12315 ...).
	threats = []text{
		{"如果再不解决，我就向12315投诉，并找媒体曝光！", "If this is not solved I will complain to 12315 and go to the media."},
		{"我已经咨询了律师，不行就起诉。", "I have consulted a lawyer and will sue if necessary."},
		{"再拖下去我就发到网上让大家评评理，还要找记者。", "If you keep stalling I will post this online and call a journalist."},
		{"这件事我会向消协反映。", "I will report this to the consumer association."},
	}
	closingsZh = []string{"请尽快给我答复。", "盼复！", "谢谢。", "希望尽快处理，谢谢！", "请相关负责人尽快联系我。", ""}
	closingsEN = []string{"Please reply as soon as possible.", "Thank you.", "I look forward to your answer.", ""}
)

// wants are how customers phrase the remedy they expect.
var wants = map[kesu.Remedy][]text{
	kesu.RemedyRefund:           {{"要求全额退款。", "I want a full refund."}, {"我要求退货退款。", "I want to return it for a refund."}, {"请把钱退给我。", "Please give me my money back."}},
	kesu.RemedyExchange:         {{"要求换一台新的。", "I want a new replacement unit."}, {"要求直接换新，不要再修了。", "No more repairs, I want a new one."}},
	kesu.RemedyRepair:           {{"请尽快安排师傅上门维修。", "Please send a technician as soon as possible."}, {"希望尽快修好。", "Please fix it quickly."}},
	kesu.RemedyReplacement:      {{"请尽快补发。", "Please send a replacement."}, {"要求重新发货。", "Please ship it again."}},
	kesu.RemedyCompensation:     {{"要求赔偿我的损失{claim}元。", "I claim {claim} yuan in compensation."}, {"要求给个说法并适当赔偿。", "I expect an explanation and fair compensation."}},
	kesu.RemedyExtendedWarranty: {{"至少要给延长保修期。", "At least extend the warranty."}},
	kesu.RemedyApology:          {{"要求当事人向我道歉。", "I want an apology from the person involved."}, {"要求公开道歉。", "I want a formal apology."}},
	kesu.RemedyExplanation:      {{"请给我一个合理的解释。", "I want a proper explanation."}, {"希望你们核实一下给个说法。", "Please investigate and explain."}},
	kesu.RemedyOther:            {{"要求停止这种行为。", "I want this to stop."}, {"要求取消相关费用。", "Cancel these charges."}},
}

// Staff texts along the lifecycle. {number}, {target}, {dept}, {order},
// {amount}, {remedy} and {city} are filled in when the complaint is built
// or, for numbers, when it is written.
var (
	ackMessages = []text{
		{"您好，您的投诉已登记，编号{number}。我们将在24小时内与您联系，请保持电话畅通。", "Your complaint has been registered as {number}. We will contact you within 24 hours."},
		{"尊敬的客户，已收到您的反馈（编号{number}），我们会尽快核实处理。", "We have received your message {number} and will look into it promptly."},
	}
	intakeNotes = []string{"客户来电情绪较激动，已安抚，承诺尽快回复。", "客户要求处理结果以短信告知。", "客户称已多次来电，请优先处理。",
		"客户表示不方便接听工作日电话，请晚上7点后联系。", "客户提供了照片和购买凭证。"}
	acceptNotes = []text{{"已受理，将转相关部门核实处理。", "Accepted; passed to the responsible department."},
		{"您的投诉已受理，我们会尽快安排专人跟进。", "Your complaint has been accepted and will be followed up."}, {"", ""}}
	dispatchNotes   = []string{"请{dept}核实处理，客户情绪较激动，请优先联系。", "请{dept}在时限内签收处理。", "转{dept}处理，相关凭证已附在工单中。", ""}
	returnNotes     = []string{"经核实该问题不属于本部门职责范围，请重新派单。", "该问题应由{dept}处理，退回重派。", "工单信息不全，无法判断责任部门，退回补充后重派。"}
	signNotes       = []text{{"已签收，处理人员会尽快与您联系。", "Your case has been taken up; a handler will contact you shortly."}, {"", ""}}
	handlerMessages = []text{{"您好，我是本次投诉的处理人，已开始核实您反映的问题，有进展会第一时间告知您。", "Hello, I am handling your complaint and will keep you updated."},
		{"您好，相关情况我们正在调查，预计3个工作日内给您答复。", "We are investigating and expect to answer within 3 working days."}}
	customerMessages = []text{{"请问处理到哪一步了？", "Any update on my complaint?"}, {"怎么还没有人联系我？", "Why has nobody contacted me yet?"},
		{"好的，我等你们消息。", "OK, I will wait for your reply."}}
	proposals = map[kesu.Remedy]text{
		kesu.RemedyRefund:           {"为您办理全额退款{amount}元，款项将在3-5个工作日内原路退回。", "A full refund of {amount} yuan to the original payment method within 3-5 working days."},
		kesu.RemedyExchange:         {"为您更换同型号新品，旧机由师傅上门取回，运费由我司承担。", "A new unit of the same model; we collect the old one at our cost."},
		kesu.RemedyRepair:           {"安排售后师傅上门免费维修，更换故障配件，并延长该部件保修一年。", "Free on-site repair with a one-year warranty on the new part."},
		kesu.RemedyReplacement:      {"为您补发商品，预计2天内送达。", "We will ship a replacement within 2 days."},
		kesu.RemedyCompensation:     {"向您致歉，并给予{amount}元补偿。", "Our apologies, with {amount} yuan compensation."},
		kesu.RemedyExtendedWarranty: {"免费为您延长整机保修一年。", "A free one-year extension of the warranty."},
		kesu.RemedyApology:          {"对给您带来的不便深表歉意，已对相关人员进行批评教育。", "We apologise; the staff member has been disciplined."},
		kesu.RemedyExplanation:      {"经核实，相关费用依据合同约定收取，已向您详细说明计费规则，并为您关闭相关业务。", "The charge follows the contract; we explained it and cancelled the service."},
		kesu.RemedyOther:            {"已责令相关机构停止违规行为，并将您的号码加入免打扰名单。", "The agency has been told to stop and your number is on the do-not-call list."},
	}
	customerAccepts = []text{{"可以，按这个方案办吧。", "OK, go ahead."}, {"好的，接受。", "Fine, I accept."}, {"", ""}}
	// completions after a remedy was carried out, and after a direct answer.
	executedNotes = []text{{"已按方案完成处理，客户确认收到。", "Done as proposed; the customer confirmed."},
		{"方案已执行完毕，已短信告知客户。", "Carried out; the customer was informed by text message."}}
	answeredNotes = []text{{"已向客户解释并致歉，客户表示理解。", "We explained and apologised; the customer understood."},
		{"已将核实结果告知客户，客户表示认可。", "We told the customer what we found; the customer agreed."}}
	followUps            = []string{"回访客户，客户对处理结果表示满意。", "回访客户，客户表示基本满意，希望以后改进。", "回访客户，客户认为处理速度太慢。"}
	satisfactionComments = map[int][]string{
		5: {"处理很及时，谢谢！", "服务很好，问题解决了。", "非常满意", ""},
		4: {"总体满意，就是等的时间有点长。", "还可以", ""},
		3: {"一般吧，解决了但是太折腾。", ""},
		2: {"速度太慢了，拖了这么久。", "补偿太少。"},
		1: {"非常不满意，完全是在敷衍。", "问题根本没解决。"},
	}
	systemCloses = []string{"回访三次未接通，超过回访期限，系统自动结案。", "客户未在回访期限内评价，系统自动结案。"}
	appeals      = []text{{"我不认可这个处理结果，要求重新处理。", "I do not accept this outcome and appeal."}, {"客户来电对处理结果不满意，申请申诉。", "The customer called to appeal the outcome."}}
	upheldNotes  = []string{"经复核，原处理方案不足以弥补客户损失，发回重新处理。", "申诉成立：原处理人员未核实关键事实，改由其他人员重办。"}
	// dismissNotes name the external recourse left to the customer.
	dismissNotes  = []string{"经复核，原处理结果符合公司政策及相关规定，维持原处理结果。", "经复核，申诉理由不成立，维持原处理意见。"}
	recourseNotes = map[kesu.Recourse]string{
		kesu.RecourseRegulator:   "如仍有异议，可向市场监管部门（12315）投诉。",
		kesu.RecourseMediation:   "如仍有异议，可申请消费者协会调解。",
		kesu.RecourseArbitration: "如仍有异议，可依约申请仲裁。",
		kesu.RecourseCourt:       "如仍有异议，可向人民法院提起诉讼。",
	}
	reopenNotes   = []string{"客户反映问题依旧存在，重新处理。", "客户回访时表示方案未执行到位，重办。"}
	withdrawNotes = []string{"客户来电表示问题已与商家自行协商解决，申请撤诉。", "客户表示不想再追究了。", "客户称东西已经找到，撤回投诉。"}
	mergeNotes    = []string{"与{target}为同一客户同一事项，合并处理。", "重复投诉，并入{target}统一处理。"}
	escalateNotes = []string{"超时未办结，已升级督办，请部门负责人跟进。", "客户多次来电催办，升级处理。"}
	reviewNotes   = []string{"复盘：暴露出工单流转时限缺失的问题，已补充提醒规则。", "复盘：同类问题近期集中出现，已纳入质量周会跟踪。", "复盘：处理及时，话术规范，纳入案例库。",
		"复盘：客户补偿标准不统一，建议制定统一的补偿授权标准。"}
	rejectNotes = map[kesu.RejectReason][]string{
		kesu.RejectOutOfScope:   {"该问题涉及第三方商家，不属于我司受理范围，已告知客户联系商家。", "反映的产品非我司销售，不予受理。"},
		kesu.RejectDuplicate:    {"客户已就同一事项投诉且正在处理中，不重复受理。"},
		kesu.RejectInLitigation: {"客户表示已就该事项向法院起诉，按规定不予受理。", "该事项已进入仲裁程序，不予受理。"},
		kesu.RejectMissingInfo:  {"多次联系客户未果，无法核实基本信息，不予受理。"},
		kesu.RejectTooOld:       {"该订单已超过投诉受理时效，不予受理。"},
		kesu.RejectOther:        {"经核实客户诉求缺乏事实依据，不予受理。"},
	}
)

// problemKinds narrows problems that only make sense for some product
// kinds or products (a courier cannot charge an annual card fee, earbuds
// have no screen), by Chinese title; entries are kinds or product names.
var problemKinds = map[string][]string{
	"{p}屏幕边缘有裂纹":     {"手机", "笔记本电脑", "电视"},
	"{p}充电时发烫冒烟":     {"phone", "battery"},
	"{p}漏电":          {"appliance"},
	"{p}鼓包变形":        {"battery", "phone"},
	"{p}突然起火":        {"appliance"},
	"快递{days}天未送达":   {"parcel"},
	"预约送装无人上门":       {"appliance"},
	"外卖超时{n}0分钟":     {"food"},
	"物流显示派送中却一直不送":   {"parcel"},
	"收到包裹外箱破损，商品摔坏":  {"parcel"},
	"大件送货时磕坏家门":      {"appliance"},
	"门店店员出言不逊":       {"appliance", "phone"},
	"快递员态度恶劣":        {"parcel"},
	"维修师傅态度差":        {"appliance"},
	"报修后无人上门":        {"appliance"},
	"宽带账单多扣费":        {"broadband"},
	"信用卡被收取年费":       {"card"},
	"外卖订单多收打包费":      {"food"},
	"会员自动续费未提醒":      {"food", "broadband"},
	"退货{days}天退款未到账": {"appliance", "phone"},
	"取消订单后未退款":       {"food", "appliance", "phone"},
	"价保申请被拒":         {"appliance", "phone"},
	"{p}续航与宣传严重不符":   {"phone", "battery"},
	"宣传“全网最低价”不实":    {"appliance", "phone"},
	"宣传免费安装实际收费":     {"appliance"},
	"宽带实际网速远低于宣传":    {"broadband"},
	"宽带销户被要求交违约金":    {"broadband"},
	"合同自动续约条款未告知":    {"broadband", "phone"},
	"分期手续费与约定不符":     {"card", "phone"},
	"个人信息泄露频繁接到推销电话": {"appliance", "phone", "food"},
	"账户出现非本人消费":      {"card"},
	"App过度索取权限":      {"phone", "food"},
	"门店承诺赠品未兑现":      {"appliance", "phone"},
}

// handlerNotes are the internal notes of handling, in general and by
// department.
var (
	handlerNotes = []string{"已电话联系客户，客户情绪稳定，同意等待核实结果。", "客户两次未接电话，已发短信告知。",
		"与客户沟通补偿方案，客户期望较高，需部门负责人审批。"}
	departmentNotes = map[string][]string{
		"customer_service": {"已调取通话录音，正在核实。", "已与相关员工核实情况，员工承认服务用语不当。"},
		"after_sales":      {"已安排售后师傅上门检测。", "已调取该机维修记录，确认此前维修未更换主要部件。"},
		"logistics":        {"已调取物流轨迹，确认包裹在{city}转运中心滞留。", "已联系配送站站长核实，快递员称当时联系不上客户。"},
		"quality":          {"已安排送检，等待检测报告。", "已向供应商反馈该批次问题，等待对方回复。"},
		"finance":          {"已调取扣费记录，确认系统重复计费。", "已提交退款申请，等待财务审批。"},
		"store_ops":        {"已调取门店监控，正在核实。", "已联系门店店长了解情况。"},
		"legal":            {"已调取合同及录音材料，正在进行合规审查。", "已要求合作机构提供通话记录。"},
	}
)

// askReply is a request for information and the customer's answer to it.
type askReply struct{ ask, reply text }

var askReplies = map[string][]askReply{
	"logistics": {{text{"请您提供订单号和收货地址，我们好查询物流信息。", "Please send the order number and delivery address."},
		text{"订单号是{order}，收货地址没变。", "The order number is {order}; the address is unchanged."}}},
	"finance": {{text{"请提供相关扣费短信截图或账单明细。", "Please send a screenshot of the charge or the bill."},
		text{"截图已上传。", "Screenshot uploaded."}}},
	"legal": {{text{"请提供相关通话记录或短信截图，便于我们核查。", "Please send call logs or screenshots of the messages."},
		text{"通话记录截图已经发过去了。", "I have sent screenshots of the call log."}}},
	"": {{text{"麻烦您提供一下购买凭证和故障部位的照片，方便我们核实。", "Please send the receipt and photos of the problem."},
		text{"照片和发票都发过去了，麻烦尽快处理。", "Photos and receipt sent, please hurry."}},
		{text{"请问您方便的上门时间是哪天？", "When would suit you for a visit?"},
			text{"周六上午都在家。", "Saturday morning works."}}},
}

// objections by the remedy that was proposed.
var (
	objectTooLittle = text{"补偿太少了，我耽误了好几天时间，至少要赔{claim}元。", "That is too little; I lost days over this. At least {claim} yuan."}
	objections      = map[kesu.Remedy]text{
		kesu.RemedyRepair:   {"我不要维修，要求直接换新。", "I do not want a repair, I want a new one."},
		kesu.RemedyRefund:   {"退款可以，但来回运费也要你们承担。", "Refund is fine but you must pay shipping both ways."},
		kesu.RemedyExchange: {"换货太麻烦了，我要求退款。", "Exchanging is too much hassle; I want a refund."},
	}
)

// Feedback and suggestions are thanked and passed on, not remedied.
var (
	feedbackAccepted = text{"感谢您的宝贵意见，我们已转相关部门研究。", "Thank you for your feedback; we have passed it on."}
	feedbackAnswered = text{"感谢您的建议，相关部门已评估并纳入改进计划，改进后会通过公众号公布。", "Thank you; your suggestion is part of our improvement plan."}
)
