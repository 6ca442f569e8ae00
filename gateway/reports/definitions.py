"""What each figure of a report means (口径说明), in Chinese: sent with every report and printed
on the PDF's last page, so a 月通报 read months later still says how it was counted. The keys
are the report's own field names; each text begins with the figure's name as people read it."""
from gateway.engine.satisfaction import DEFINITION as SATISFACTION

TEXT = {
    "satisfaction_rate": SATISFACTION,
    "participation_rate": "参评率 = 评价次数 ÷ 办结件数：统计范围内办结的服务中，得到评价（窗口评价或补充评价）的比例",
    "bad": "差评 = 评价为“不满意”或“非常不满意”；每条差评生成一张整改单，按规定时限联系办事人并整改",
    "rating_day": "评价归属日：评价计入所评服务的办理日；当场在窗口评价器评价，或办事后凭票上二维码补充评价",
    "issued": "取号 = 当日取号张数；按窗口或人员统计时，为在该窗口或由该人员叫到的号",
    "called": "叫号 = 号码被叫到窗口的次数；转办后再次叫号另计，重呼不计",
    "served": "办结 = 办结的服务件数，计入叫号当日",
    "no_show": "未到 = 叫号后办事人未到窗口（过号）的次数",
    "transferred": "转办 = 从窗口转给其他业务、窗口或人员的次数",
    "cancelled": "取消 = 等候中被取消的号，计入取消当日",
    "voided": "作废 = 叫号机打印失败而收回的号（从未叫号）",
    "wait_s": "等候时长 = 取号到首次叫号的时间；转办的号从转办时起算",
    "walkup_s": "到窗时长 = 叫号到开始办理的时间",
    "service_s": "办理时长 = 在该窗口从开始办理到办结的时间，只计办结的服务",
    "handover_s": "转办前办理时长 = 办理中转办的号在转办前已办理的时间",
    "idle_s": "空闲时长 = 窗口在开放时间内已登录、无事可办的时间，按窗口和人员统计；按业务筛选时为零（空闲不属于任何业务）",
    "dist": "时长统计：件数、中位数、90%分位数（最近秩）、最长、平均；报表和导出以分钟计，接口数据以秒计，无数据时为空",
    "cases": "办件类型：即办件、承诺件、联办件、上报件、退办件，以办结时窗口所选为准",
    "working": "工作日：周一至周五，除去大厅配置的节假日，加上调休上班日",
    "followups": "差评整改：统计期内生成的整改单及其当前状态；超期 = 仍未办结且已过联系或整改时限",
    "alerts": "告警：统计期内发生的告警；时长计到告警结束，仍在告警的计到报表生成时",
    "attendance": "考勤：按登录和退出记录统计出勤天数（大厅开放时有登录的天数）、登录次数（A岗、B岗或顶岗）、"
                  "在岗时长和各原因的暂停；尚未退出的计到报表生成时",
}
