# Kiosk texts, Hmoob (White Hmong, RPA). Keys missing here fall back to Vietnamese one by
# one; `phonghop room --i18n-report` lists them for translators. Only add lines a fluent
# speaker has checked.

home-greeting = Nyob zoo!
nav-back = Rov qab
