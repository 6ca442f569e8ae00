# Every key and LED of each role, by name, with its GPIO: the one place the
# names are defined. The firmware reads its pins from here; the emulated
# boards (hil/board) and the hall runner press keys by these names.
#
# Keys are wired to GND with a pull-up (active low). GPIO 34..39 have no
# internal pull-up: those keys need a 10k resistor to 3V3 on the board.
#
# call pad (叫号器): digits 0-9 type the staff code, ticket choices,
#   window numbers and the 办件编号; function keys:
#   call      叫号 call next          recall    重呼 call again
#   start     开始办理                 finish    办结 (then 1-5 case type, ok = 即办件;
#                                               long press = 即办件 at once)
#   noshow    过号 no-show            pause     暂停/恢复 (then digit = reason)
#   transfer  转移 (digits = window, ok)   eval  请评价 ask for a rating
#   ok        确认 (login with the typed code)  back  清除 / cancel;
#             long press back = logout
#   办件编号 (case number): logged in, outside the finish / pause / transfer
#   steps, type up to 20 digits, then ok: attach_case, for the ticket the
#   window holds (called or serving) or, after finishing, for that ticket
#   until it is rated; the gateway refuses it (on the screen) otherwise.
#   Type it before finish or after the finish is sent: in the finish step a
#   digit picks the case type.
# evaluator (评价器): the five levels with a LED each, then for 不满意 and
#   非常不满意 the reason step: next moves, pick ticks a reason, done sends.
# display (LED 条屏): no keys; a MAX7219 chain on SPI.
from micropython import const

STATUS_LED = const(2)
I2C_SDA = const(21)
I2C_SCL = const(22)
SPI_SCK = const(18)
SPI_MOSI = const(23)
SPI_CS = const(5)

# "name:gpio ..." strings, not tuples of tuples: a constant tuple costs heap
# for every item when the module loads, a string only its bytes.
CALLPAD_KEYS = ("0:4 1:5 2:12 3:13 4:14 5:15 6:16 7:17 8:18 9:19 call:23 recall:25 start:26 "
                "finish:27 noshow:32 pause:33 transfer:34 eval:35 ok:36 back:39")
# The level keys in the order they sit on the keypad; key i gives level 5 - i
# and has the LED EVALUATOR_LEDS[i].
EVALUATOR_KEYS = ("very_satisfied:13 satisfied:14 basic:15 unsatisfied:16 very_unsatisfied:17 "
                  "next:18 pick:19 done:23")
EVALUATOR_LEDS = (25, 26, 27, 32, 33)
LEVELS = 5

