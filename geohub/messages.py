"""Error titles and details in Kazakh, Russian and English.

Details are written in English where they are raised; this catalogue holds each English
template with its Russian and Kazakh forms. A detail is translated by matching it against the
English templates ({name} matches any text) and filling the translation with what matched.
"""

from __future__ import annotations

import re
from functools import cache

TITLES: dict[str, dict[str, str]] = {
    "invalid-request": {"ru": "Некорректный запрос", "kk": "Сұрау қате"},
    "invalid-bbox": {"ru": "Некорректный bbox", "kk": "bbox қате"},
    "not-found": {"ru": "Не найдено", "kk": "Табылмады"},
    "layer-not-found": {"ru": "Слой не найден", "kk": "Қабат табылмады"},
    "feature-not-found": {"ru": "Объект не найден", "kk": "Нысан табылмады"},
    "version-not-found": {"ru": "Версия не найдена", "kk": "Нұсқа табылмады"},
    "forbidden-layer": {"ru": "Доступ запрещён", "kk": "Рұқсат жоқ"},
    "unauthorized": {"ru": "Требуется авторизация", "kk": "Авторизация қажет"},
    "import-not-found": {"ru": "Импорт не найден", "kk": "Импорт табылмады"},
    "forbidden": {"ru": "Доступ запрещён", "kk": "Рұқсат жоқ"},
    "too-many-requests": {"ru": "Слишком много запросов", "kk": "Сұраулар тым көп"},
    "conflict": {"ru": "Конфликт", "kk": "Қайшылық"},
    "upload-too-large": {"ru": "Файл слишком большой", "kk": "Файл тым үлкен"},
    "upload-too-slow": {"ru": "Файл читается слишком долго", "kk": "Файлды оқу тым ұзаққа созылды"},
    "invalid-data": {"ru": "Некорректные данные", "kk": "Деректер қате"},
    "storage-unavailable": {"ru": "Хранилище недоступно", "kk": "Қойма қолжетімсіз"},
    "internal-error": {"ru": "Внутренняя ошибка сервера", "kk": "Сервердің ішкі қатесі"},
    "method-not-allowed": {"ru": "Метод не поддерживается", "kk": "Әдіс қолданылмайды"},
    "request-entity-too-large": {"ru": "Запрос слишком большой", "kk": "Сұрау тым үлкен"},
    "unsupported-media-type": {"ru": "Неподдерживаемый тип данных", "kk": "Қолдау көрсетілмейтін дерек түрі"},
}

DETAILS: dict[str, dict[str, str]] = {
    "Unknown query parameter: {names}.": {
        "ru": "Неизвестный параметр запроса: {names}.",
        "kk": "Белгісіз сұрау параметрі: {names}.",
    },
    "Unknown format f={format}; use json, html or csv.": {
        "ru": "Неизвестный формат f={format}; используйте json, html или csv.",
        "kk": "Белгісіз пішім f={format}; json, html немесе csv қолданыңыз.",
    },
    "There is no layer '{layer}'.": {
        "ru": "Слоя «{layer}» нет.",
        "kk": "«{layer}» қабаты жоқ.",
    },
    "Layer '{layer}' has no published data yet.": {
        "ru": "У слоя «{layer}» ещё нет опубликованных данных.",
        "kk": "«{layer}» қабатында әлі жарияланған деректер жоқ.",
    },
    "Layer '{layer}' has no feature '{feature}'.": {
        "ru": "В слое «{layer}» нет объекта «{feature}».",
        "kk": "«{layer}» қабатында «{feature}» нысаны жоқ.",
    },
    "There is no feature '{feature}'.": {
        "ru": "Объекта «{feature}» нет.",
        "kk": "«{feature}» нысаны жоқ.",
    },
    "limit must be a whole number of at least 1.": {
        "ru": "limit должен быть целым числом не меньше 1.",
        "kk": "limit кемінде 1 болатын бүтін сан болуы керек.",
    },
    "offset must be a whole number from 0 to {maximum}.": {
        "ru": "offset должен быть целым числом от 0 до {maximum}.",
        "kk": "offset 0-ден {maximum}-ге дейінгі бүтін сан болуы керек.",
    },
    "Numbers in a filter must lie within ±{maximum}.": {
        "ru": "Числа в фильтре должны лежать в пределах ±{maximum}.",
        "kk": "Сүзгідегі сандар ±{maximum} шегінде болуы керек.",
    },
    "The query cannot be answered: {reason}": {
        "ru": "На запрос нельзя ответить: {reason}",
        "kk": "Сұрауға жауап беру мүмкін емес: {reason}",
    },
    "offset must be a whole number of at least 0.": {
        "ru": "offset должен быть целым числом не меньше 0.",
        "kk": "offset кемінде 0 болатын бүтін сан болуы керек.",
    },
    "{name} must be a whole number, not '{value}'.": {
        "ru": "{name} должен быть целым числом, а не «{value}».",
        "kk": "{name} «{value}» емес, бүтін сан болуы керек.",
    },
    "resulttype must be 'results' or 'hits'.": {
        "ru": "resulttype должен быть «results» или «hits».",
        "kk": "resulttype «results» немесе «hits» болуы керек.",
    },
    "bbox-crs was given without bbox.": {
        "ru": "bbox-crs указан без bbox.",
        "kk": "bbox-crs bbox-сыз берілген.",
    },
    "bbox must be 4 or 6 comma-separated numbers.": {
        "ru": "bbox должен состоять из 4 или 6 чисел через запятую.",
        "kk": "bbox үтірмен бөлінген 4 немесе 6 саннан тұруы керек.",
    },
    "bbox must be 4 or 6 comma-separated finite numbers.": {
        "ru": "bbox должен состоять из 4 или 6 конечных чисел через запятую.",
        "kk": "bbox үтірмен бөлінген 4 немесе 6 шекті саннан тұруы керек.",
    },
    "bbox minimum must not exceed its maximum.": {
        "ru": "Минимум bbox не может быть больше максимума.",
        "kk": "bbox минимумы максимумынан аспауы керек.",
    },
    "bbox lies outside the area its bbox-crs covers.": {
        "ru": "bbox лежит вне области, которую покрывает его bbox-crs.",
        "kk": "bbox өзінің bbox-crs аймағынан тыс жатыр.",
    },
    "bbox must lie within -180..180, -90..90 (lon/lat).": {
        "ru": "bbox должен лежать в пределах -180..180, -90..90 (долгота/широта).",
        "kk": "bbox -180..180, -90..90 (бойлық/ендік) шегінде болуы керек.",
    },
    "Cannot sort by '{name}': layer '{layer}' has no such property.": {
        "ru": "Нельзя сортировать по «{name}»: у слоя «{layer}» нет такого свойства.",
        "kk": "«{name}» бойынша сұрыптау мүмкін емес: «{layer}» қабатында мұндай қасиет жоқ.",
    },
    "Layer '{layer}' has no properties {names}.": {
        "ru": "У слоя «{layer}» нет свойств {names}.",
        "kk": "«{layer}» қабатында {names} қасиеттері жоқ.",
    },
    "{name} must be true or false.": {
        "ru": "{name} должен быть true или false.",
        "kk": "{name} true немесе false болуы керек.",
    },
    "filter-lang must be cql2-text or cql2-json.": {
        "ru": "filter-lang должен быть cql2-text или cql2-json.",
        "kk": "filter-lang cql2-text немесе cql2-json болуы керек.",
    },
    "filter-crs must be {crs}.": {
        "ru": "filter-crs должен быть {crs}.",
        "kk": "filter-crs {crs} болуы керек.",
    },
    "The filter is not valid {language}.": {
        "ru": "Фильтр не является корректным {language}.",
        "kk": "Сүзгі дұрыс {language} емес.",
    },
    "The filter is not valid JSON.": {
        "ru": "Фильтр не является корректным JSON.",
        "kk": "Сүзгі дұрыс JSON емес.",
    },
    "Layer '{layer}' has no queryable '{name}'.": {
        "ru": "У слоя «{layer}» нет свойства для запроса «{name}».",
        "kk": "«{layer}» қабатында «{name}» сұралатын қасиеті жоқ.",
    },
    "datetime must be an RFC 3339 instant or an interval start/end.": {
        "ru": "datetime должен быть моментом RFC 3339 или интервалом начало/конец.",
        "kk": "datetime RFC 3339 сәті немесе басы/соңы аралығы болуы керек.",
    },
    "datetime '..' needs a start or an end.": {
        "ru": "Для datetime «..» нужно начало или конец.",
        "kk": "datetime «..» үшін басы немесе соңы керек.",
    },
    "datetime interval ends before it starts.": {
        "ru": "Интервал datetime заканчивается раньше, чем начинается.",
        "kk": "datetime аралығы басталмай тұрып аяқталады.",
    },
    "datetime '{value}' is not an RFC 3339 date or time.": {
        "ru": "datetime «{value}» не является датой или временем RFC 3339.",
        "kk": "datetime «{value}» RFC 3339 күні немесе уақыты емес.",
    },
    "{parameter} '{value}' is not offered; use one of: {choices}.": {
        "ru": "{parameter} «{value}» не поддерживается; используйте одну из: {choices}.",
        "kk": "{parameter} «{value}» ұсынылмайды; мыналардың бірін қолданыңыз: {choices}.",
    },
    "'{value}' is not a valid {kind} for '{name}'.": {
        "ru": "«{value}» не является допустимым значением типа {kind} для «{name}».",
        "kk": "«{value}» «{name}» үшін жарамды {kind} мәні емес.",
    },
    "The filter uses {construct}, which GeoHub does not support.": {
        "ru": "Фильтр использует {construct}, что GeoHub не поддерживает.",
        "kk": "Сүзгі GeoHub қолдамайтын {construct} қолданады.",
    },
    "The filter function '{name}' is not supported.": {
        "ru": "Функция фильтра «{name}» не поддерживается.",
        "kk": "«{name}» сүзгі функциясына қолдау жоқ.",
    },
    "LIKE needs a text pattern.": {
        "ru": "Для LIKE нужен текстовый шаблон.",
        "kk": "LIKE үшін мәтіндік үлгі керек.",
    },
    "A spatial predicate must compare the 'geometry' property with a geometry.": {
        "ru": "Пространственный предикат должен сравнивать свойство «geometry» с геометрией.",
        "kk": "Кеңістіктік предикат «geometry» қасиетін геометриямен салыстыруы керек.",
    },
    "A spatial predicate needs a geometry literal (WKT, GeoJSON or BBOX).": {
        "ru": "Пространственному предикату нужна геометрия (WKT, GeoJSON или BBOX).",
        "kk": "Кеңістіктік предикатқа геометрия керек (WKT, GeoJSON немесе BBOX).",
    },
    "The filter compares a property with something that is not a value.": {
        "ru": "Фильтр сравнивает свойство с тем, что не является значением.",
        "kk": "Сүзгі қасиетті мән емес нәрсемен салыстырады.",
    },
    "Intervals are only supported through the datetime parameter.": {
        "ru": "Интервалы поддерживаются только через параметр datetime.",
        "kk": "Аралықтар тек datetime параметрі арқылы қолданылады.",
    },
    "The request has invalid fields.": {
        "ru": "В запросе есть некорректные поля.",
        "kk": "Сұрауда қате өрістер бар.",
    },
    "PostGIS has no free connection.": {
        "ru": "У PostGIS нет свободного соединения.",
        "kk": "PostGIS-те бос қосылым жоқ.",
    },
    "This method is not allowed here; allowed: {methods}.": {
        "ru": "Этот метод здесь не поддерживается; допустимы: {methods}.",
        "kk": "Бұл әдіс мұнда қолданылмайды; рұқсат етілгендері: {methods}.",
    },
    "Nothing is published at {path}.": {
        "ru": "По адресу {path} ничего не опубликовано.",
        "kk": "{path} мекенжайында ештеңе жарияланбаған.",
    },
    "Something went wrong on our side. Quote the request id when you report it.": {
        "ru": "На нашей стороне произошла ошибка. Сообщая о ней, укажите идентификатор запроса.",
        "kk": "Біз жақта қате шықты. Хабарлағанда сұрау идентификаторын көрсетіңіз.",
    },
    "The Authorization header must be 'Bearer <token>'.": {
        "ru": "Заголовок Authorization должен иметь вид «Bearer <токен>».",
        "kk": "Authorization тақырыбы «Bearer <токен>» түрінде болуы керек.",
    },
    "The token is invalid, expired or revoked.": {
        "ru": "Токен недействителен, истёк или отозван.",
        "kk": "Токен жарамсыз, мерзімі өткен немесе кері қайтарылған.",
    },
    "The app key is invalid or revoked.": {
        "ru": "Ключ приложения недействителен или отозван.",
        "kk": "Қолданба кілті жарамсыз немесе кері қайтарылған.",
    },
    "The user name or password is wrong.": {
        "ru": "Неверное имя пользователя или пароль.",
        "kk": "Пайдаланушы аты немесе құпиясөз қате.",
    },
    "Sign in first: this needs an account.": {
        "ru": "Сначала войдите: для этого нужна учётная запись.",
        "kk": "Алдымен кіріңіз: бұл үшін есептік жазба керек.",
    },
    "Only administrators may do this.": {
        "ru": "Это могут делать только администраторы.",
        "kk": "Мұны тек әкімшілер жасай алады.",
    },
    "Too many requests: the limit is {limit}. Try again in {seconds} s.": {
        "ru": "Слишком много запросов: предел {limit}. Повторите через {seconds} с.",
        "kk": "Сұраулар тым көп: шегі {limit}. {seconds} с кейін қайталаңыз.",
    },
    "The request body must be a JSON object.": {
        "ru": "Тело запроса должно быть объектом JSON.",
        "kk": "Сұрау денесі JSON нысаны болуы керек.",
    },
    "There is no department '{department}'; use one of: {choices}.": {
        "ru": "Управления «{department}» нет; используйте одно из: {choices}.",
        "kk": "«{department}» басқармасы жоқ; мыналардың бірін қолданыңыз: {choices}.",
    },
    "The request body is larger than {size} bytes.": {
        "ru": "Тело запроса больше {size} байт.",
        "kk": "Сұрау денесі {size} байттан үлкен.",
    },
    # --- reading sources and uploads (geohub/etl: read, formats, uploads, delimited, crs, remote,
    # postgresql, osm)
    "The source file {name} does not exist.": {
        "ru": "Файла источника {name} нет.",
        "kk": "{name} дереккөз файлы жоқ.",
    },
    "The CRS '{crs}' given for {name} is not a CRS GeoHub knows.": {
        "ru": "Система координат «{crs}», указанная для {name}, GeoHub неизвестна.",
        "kk": "{name} үшін берілген «{crs}» координаттар жүйесі GeoHub-қа белгісіз.",
    },
    "{name} does not say its coordinate system: give the source CRS, e.g. crs=EPSG:32643.": {
        "ru": "В {name} не указана система координат: задайте её, например crs=EPSG:32643.",
        "kk": "{name} өз координаттар жүйесін көрсетпейді: оны беріңіз, мысалы crs=EPSG:32643.",
    },
    "{name} is in a coordinate system with no known datum shift to WGS 84, so it could land hundreds "
    "of metres off: give the source CRS with its shift, e.g. a PROJ string with +towgs84.": {
        "ru": "{name} в системе координат без известного перехода к WGS 84, и данные могут сместиться "
        "на сотни метров: задайте систему координат с параметрами перехода, например строку PROJ "
        "с +towgs84.",
        "kk": "{name} WGS 84-ке белгілі ауысуы жоқ координаттар жүйесінде, деректер жүздеген метрге "
        "ығысуы мүмкін: координаттар жүйесін ауысу параметрлерімен беріңіз, мысалы +towgs84 бар "
        "PROJ жолы.",
    },
    "{name} cannot be read: {reason}": {
        "ru": "Не удаётся прочитать {name}: {reason}",
        "kk": "{name} оқылмайды: {reason}",
    },
    "{name} has no geometry column.": {
        "ru": "В {name} нет столбца геометрии.",
        "kk": "{name} ішінде геометрия бағаны жоқ.",
    },
    "{name} holds no layers.": {
        "ru": "В {name} нет слоёв.",
        "kk": "{name} ішінде қабаттар жоқ.",
    },
    "{name} holds several layers; choose one of: {layers}.": {
        "ru": "В {name} несколько слоёв; выберите один из: {layers}.",
        "kk": "{name} ішінде бірнеше қабат бар; біреуін таңдаңыз: {layers}.",
    },
    "{name} has no layer '{layer}'; it has: {layers}.": {
        "ru": "В {name} нет слоя «{layer}»; есть: {layers}.",
        "kk": "{name} ішінде «{layer}» қабаты жоқ; барлары: {layers}.",
    },
    "{name} is empty: it has no header row.": {
        "ru": "Файл {name} пуст: в нём нет строки заголовков.",
        "kk": "{name} файлы бос: онда тақырып жолы жоқ.",
    },
    "{name} is not a readable CSV file: {reason}.": {
        "ru": "{name} — нечитаемый файл CSV: {reason}.",
        "kk": "{name} — оқылмайтын CSV файлы: {reason}.",
    },
    "The file {name} is empty.": {
        "ru": "Файл {name} пуст.",
        "kk": "{name} файлы бос.",
    },
    "{name} is not a text (CSV) file.": {
        "ru": "{name} — не текстовый файл (CSV).",
        "kk": "{name} — мәтіндік (CSV) файл емес.",
    },
    "{name} is neither UTF-8 nor Windows-1251 text.": {
        "ru": "{name} — текст не в UTF-8 и не в Windows-1251.",
        "kk": "{name} мәтіні UTF-8 те, Windows-1251 де емес.",
    },
    "{name} names a column more than once: {columns}.": {
        "ru": "В {name} столбец назван больше одного раза: {columns}.",
        "kk": "{name} ішінде баған бірнеше рет аталған: {columns}.",
    },
    "{name} has no coordinate columns: name them lon and lat (or x and y), or put WKT in a column "
    "named wkt; its columns are: {columns}.": {
        "ru": "В {name} нет столбцов координат: назовите их lon и lat (или x и y) либо поместите WKT "
        "в столбец wkt; его столбцы: {columns}.",
        "kk": "{name} ішінде координат бағандары жоқ: оларды lon және lat (немесе x және y) деп атаңыз "
        "не WKT-ны wkt бағанына қойыңыз; оның бағандары: {columns}.",
    },
    "No row of {name} could be read; the first: {problem}.": {
        "ru": "Ни одну строку {name} не удалось прочитать; первая: {problem}.",
        "kk": "{name} файлының бірде-бір жолы оқылмады; біріншісі: {problem}.",
    },
    "{name} holds {count} entries; at most {maximum} are accepted.": {
        "ru": "В {name} {count} элементов; принимается не больше {maximum}.",
        "kk": "{name} ішінде {count} элемент бар; ең көбі {maximum} қабылданады.",
    },
    "{name} unpacks to {size} bytes; at most {maximum} bytes are accepted.": {
        "ru": "{name} распаковывается в {size} байт; принимается не больше {maximum} байт.",
        "kk": "{name} {size} байтқа ашылады; ең көбі {maximum} байт қабылданады.",
    },
    "{name} is compressed more than {ratio} times over: it looks like a zip bomb.": {
        "ru": "{name} сжат больше чем в {ratio} раз: похоже на zip-бомбу.",
        "kk": "{name} {ratio} еседен артық сығылған: zip-бомбаға ұқсайды.",
    },
    "{name} holds an entry that points outside the archive: {entry}.": {
        "ru": "В {name} есть элемент, указывающий за пределы архива: {entry}.",
        "kk": "{name} ішінде мұрағаттан тыс жерді көрсететін элемент бар: {entry}.",
    },
    "{name} holds a symbolic link, which is not accepted: {entry}.": {
        "ru": "В {name} есть символическая ссылка, такие не принимаются: {entry}.",
        "kk": "{name} ішінде символдық сілтеме бар, ол қабылданбайды: {entry}.",
    },
    "{name} is encrypted; upload it without a password.": {
        "ru": "{name} зашифрован; загрузите его без пароля.",
        "kk": "{name} шифрланған; оны құпиясөзсіз жүктеңіз.",
    },
    "{name} is a damaged zip archive: {reason}.": {
        "ru": "{name} — повреждённый zip-архив: {reason}.",
        "kk": "{name} — зақымдалған zip мұрағаты: {reason}.",
    },
    "{name} holds an entry larger than its header says: it looks like a zip bomb.": {
        "ru": "В {name} есть элемент больше, чем указано в его заголовке: похоже на zip-бомбу.",
        "kk": "{name} ішінде тақырыбында айтылғаннан үлкен элемент бар: zip-бомбаға ұқсайды.",
    },
    "{name} unpacks to more bytes than accepted.": {
        "ru": "{name} распаковывается в большее число байт, чем принимается.",
        "kk": "{name} қабылданатыннан көп байтқа ашылады.",
    },
    "{name} is not a readable zip archive: {reason}.": {
        "ru": "{name} — нечитаемый zip-архив: {reason}.",
        "kk": "{name} — оқылмайтын zip мұрағаты: {reason}.",
    },
    "{name}: GeoHub reads files ending in {suffixes}.": {
        "ru": "{name}: GeoHub читает файлы с окончаниями {suffixes}.",
        "kk": "{name}: GeoHub {suffixes} деп аяқталатын файлдарды оқиды.",
    },
    "{name} is named like a {named} file but holds {holds}.": {
        "ru": "{name} назван как файл {named}, но содержит {holds}.",
        "kk": "{name} {named} файлы сияқты аталған, бірақ ішінде {holds}.",
    },
    "{name} has {count} fields; at most {maximum} are read in one import.": {
        "ru": "В {name} полей: {count}; за один импорт читается не больше {maximum}.",
        "kk": "{name} ішінде {count} өріс бар; бір импортта {maximum}-ден аспайтыны оқылады.",
    },
    "{name} has {count} rows; at most {maximum} are read in one import.": {
        "ru": "В {name} строк: {count}; за один импорт читается не больше {maximum}.",
        "kk": "{name} ішінде {count} жол бар; бір импортта {maximum}-ден аспайтыны оқылады.",
    },
    "{name} holds {count} values ({rows} rows × {fields} fields); at most {maximum} are read in one "
    "import.": {
        "ru": "В {name} значений: {count} ({rows} строк × {fields} полей); за один импорт читается не "
        "больше {maximum}.",
        "kk": "{name} ішінде {count} мән бар ({rows} жол × {fields} өріс); бір импортта {maximum}-ден "
        "аспайтыны оқылады.",
    },
    "{name} took longer than {seconds} s to read, the most an import may take; split it into smaller "
    "files.": {
        "ru": "{name} читался дольше {seconds} с — больше, чем может длиться импорт; разделите его на "
        "файлы поменьше.",
        "kk": "{name} оқу {seconds} с-тан ұзаққа созылды — импорттың ең ұзақ уақытынан көп; оны кішірек "
        "файлдарға бөліңіз.",
    },
    "{name} needs more memory to read than an import may use ({count} bytes).": {
        "ru": "Для чтения {name} нужно больше памяти, чем может занять импорт ({count} байт).",
        "kk": "{name} оқу үшін импорт қолдана алатыннан көп жады керек ({count} байт).",
    },
    "{name} holds a view ({object}); GeoHub reads GeoPackages of plain tables only.": {
        "ru": "В {name} есть представление ({object}); GeoHub читает GeoPackage только из обычных таблиц.",
        "kk": "{name} ішінде көрініс ({object}) бар; GeoHub тек қарапайым кестелерден тұратын GeoPackage "
        "оқиды.",
    },
    "{name} holds a virtual table ({object}); GeoHub reads GeoPackages of plain tables only.": {
        "ru": "В {name} есть виртуальная таблица ({object}); GeoHub читает GeoPackage только из обычных "
        "таблиц.",
        "kk": "{name} ішінде виртуалды кесте ({object}) бар; GeoHub тек қарапайым кестелерден тұратын "
        "GeoPackage оқиды.",
    },
    "{name} holds another archive, {inner}; upload it unpacked.": {
        "ru": "В {name} лежит другой архив, {inner}; загрузите его распакованным.",
        "kk": "{name} ішінде басқа мұрағат бар, {inner}; оны ашып жүктеңіз.",
    },
    "{label}: a downloaded file is read whole; a url source takes no SQL.": {
        "ru": "{label}: скачанный файл читается целиком; к источнику url нельзя применить SQL.",
        "kk": "{label}: жүктелген файл толық оқылады; url дереккөзіне SQL қолданылмайды.",
    },
    "{label} answered HTTP {status}, a redirect to {target}: GeoHub fetches only the URL the layer "
    "definition names; write the final URL there.": {
        "ru": "{label} ответил HTTP {status}, перенаправлением на {target}: GeoHub скачивает только URL, "
        "указанный в описании слоя; запишите туда окончательный URL.",
        "kk": "{label} HTTP {status} деп жауап берді, {target} мекенжайына бағыттады: GeoHub тек қабат "
        "сипаттамасында аталған URL-ді жүктейді; сол жерге соңғы URL-ді жазыңыз.",
    },
    "{name} is a CSV file: it has no layers and takes no SQL.": {
        "ru": "{name} — файл CSV: в нём нет слоёв и к нему нельзя применить SQL.",
        "kk": "{name} — CSV файлы: онда қабаттар жоқ және оған SQL қолданылмайды.",
    },
    "{name}: the Shapefile {shapefile} has no {parts} file; a Shapefile needs its .shp, .shx, .dbf "
    "and .prj files together.": {
        "ru": "{name}: у Shapefile {shapefile} нет файла {parts}; Shapefile нужны вместе файлы .shp, "
        ".shx, .dbf и .prj.",
        "kk": "{name}: {shapefile} Shapefile-ының {parts} файлы жоқ; Shapefile-ға .shp, .shx, .dbf "
        "және .prj файлдары бірге керек.",
    },
    "{name}: the Shapefile {shapefile} has no .prj file saying its coordinate system: give the source "
    "CRS, e.g. crs=EPSG:32643.": {
        "ru": "{name}: у Shapefile {shapefile} нет файла .prj с системой координат: задайте её, "
        "например crs=EPSG:32643.",
        "kk": "{name}: {shapefile} Shapefile-ының координаттар жүйесін көрсететін .prj файлы жоқ: "
        "оны беріңіз, мысалы crs=EPSG:32643.",
    },
    "{name} holds no Shapefile, GeoPackage, GeoJSON, KML or CSV file.": {
        "ru": "В {name} нет файлов Shapefile, GeoPackage, GeoJSON, KML или CSV.",
        "kk": "{name} ішінде Shapefile, GeoPackage, GeoJSON, KML немесе CSV файлы жоқ.",
    },
    "{name} holds several datasets; choose one as the layer: {names}.": {
        "ru": "В {name} несколько наборов данных; выберите один как слой: {names}.",
        "kk": "{name} ішінде бірнеше деректер жиыны бар; біреуін қабат ретінде таңдаңыз: {names}.",
    },
    "{name} holds no dataset '{layer}'; it holds: {names}.": {
        "ru": "В {name} нет набора данных «{layer}»; есть: {names}.",
        "kk": "{name} ішінде «{layer}» деректер жиыны жоқ; барлары: {names}.",
    },
    "{name}: only http and https URLs can be fetched.": {
        "ru": "{name}: загрузить можно только адреса http и https.",
        "kk": "{name}: тек http және https мекенжайларын жүктеуге болады.",
    },
    "{name} cannot be fetched: {reason}.": {
        "ru": "Не удаётся загрузить {name}: {reason}.",
        "kk": "{name} жүктелмейді: {reason}.",
    },
    "{name} answered HTTP {status}.": {
        "ru": "{name} ответил HTTP {status}.",
        "kk": "{name} HTTP {status} деп жауап берді.",
    },
    "{name} is {size} bytes; at most {maximum} bytes are fetched.": {
        "ru": "{name} занимает {size} байт; загружается не больше {maximum} байт.",
        "kk": "{name} көлемі {size} байт; ең көбі {maximum} байт жүктеледі.",
    },
    "{name} is larger than {maximum} bytes, the most that is fetched.": {
        "ru": "{name} больше {maximum} байт — предела загрузки.",
        "kk": "{name} жүктеу шегі болатын {maximum} байттан үлкен.",
    },
    "{name}: the environment variable {variable} is not set.": {
        "ru": "{name}: переменная окружения {variable} не задана.",
        "kk": "{name}: {variable} орта айнымалысы берілмеген.",
    },
    "{name}: a postgresql source needs a layer (table) or sql.": {
        "ru": "{name}: источнику postgresql нужен layer (таблица) или sql.",
        "kk": "{name}: postgresql дереккөзіне layer (кесте) немесе sql керек.",
    },
    "{name} mixes SRIDs {srids}; read it through sql with ST_Transform.": {
        "ru": "В {name} смешаны SRID {srids}; читайте его через sql с ST_Transform.",
        "kk": "{name} ішінде SRID {srids} аралас; оны ST_Transform бар sql арқылы оқыңыз.",
    },
    "{name}: upload a Shapefile as one .zip holding its .shp, .shx, .dbf and .prj files.": {
        "ru": "{name}: загрузите Shapefile одним архивом .zip с файлами .shp, .shx, .dbf и .prj.",
        "kk": "{name}: Shapefile-ды .shp, .shx, .dbf және .prj файлдары бар бір .zip ретінде жүктеңіз.",
    },
    "The OSM file {name} does not exist.": {
        "ru": "Файла OSM {name} нет.",
        "kk": "{name} OSM файлы жоқ.",
    },
    "{name} is not an OpenStreetMap PBF file (.osm.pbf).": {
        "ru": "{name} — не файл OpenStreetMap PBF (.osm.pbf).",
        "kk": "{name} — OpenStreetMap PBF файлы (.osm.pbf) емес.",
    },
    "Building the OSM extract from {name} failed: {reason}": {
        "ru": "Сборка выгрузки OSM из {name} не удалась: {reason}",
        "kk": "{name} файлынан OSM үзіндісін құрастыру сәтсіз аяқталды: {reason}",
    },
    "Building the OSM extract from {name} took longer than {seconds} s.": {
        "ru": "Сборка выгрузки OSM из {name} заняла больше {seconds} с.",
        "kk": "{name} файлынан OSM үзіндісін құрастыру {seconds} с-тан ұзаққа созылды.",
    },
}


# publishing: imports, versions, rollback, item edits (geohub/publishing/service.py, edits.py, routes.py)
PUBLISHING_DETAILS: dict[str, dict[str, str]] = {
    "Sign in to change layers.": {
        "ru": "Войдите, чтобы изменять слои.",
        "kk": "Қабаттарды өзгерту үшін жүйеге кіріңіз.",
    },
    "Account '{user}' may not change layer '{layer}' (it belongs to the department '{department}').": {
        "ru": "Учётная запись «{user}» не может изменять слой «{layer}» (он принадлежит "
              "управлению «{department}»).",
        "kk": "«{user}» тіркелгісі «{layer}» қабатын өзгерте алмайды (ол «{department}» "
              "басқармасына тиесілі).",
    },
    "Layer '{layer}' has no version {version}.": {
        "ru": "У слоя «{layer}» нет версии {version}.",
        "kk": "«{layer}» қабатының {version} нұсқасы жоқ.",
    },
    "Layer '{layer}' has no import {id}.": {
        "ru": "У слоя «{layer}» нет импорта {id}.",
        "kk": "«{layer}» қабатында {id} импорты жоқ.",
    },
    "Import {id} is {status}; only a validated import can be published.": {
        "ru": "Импорт {id} в состоянии {status}; опубликовать можно только проверенный импорт.",
        "kk": "{id} импорты {status} күйінде; тек тексерілген импортты жариялауға болады.",
    },
    "Import {id} is {status}; only a validated import can be rejected.": {
        "ru": "Импорт {id} в состоянии {status}; отклонить можно только проверенный импорт.",
        "kk": "{id} импорты {status} күйінде; тек тексерілген импортты қабылдамауға болады.",
    },
    "{count} rows of import {id} failed validation. Fix the source and import again, "
    "publish the valid rows (invalidRows: skip), or reject the import.": {
        "ru": "{count} строк импорта {id} не прошли проверку. Исправьте источник и импортируйте снова, "
        "опубликуйте корректные строки (invalidRows: skip) или отклоните импорт.",
        "kk": "{id} импортының {count} жолы тексеруден өтпеді. Дереккөзді түзетіп, қайта импорттаңыз, "
        "дұрыс жолдарды жариялаңыз (invalidRows: skip) немесе импортты қабылдамаңыз.",
    },
    "Layer '{layer}' changed after import {id} was validated; run the import again.": {
        "ru": "Слой «{layer}» изменился после проверки импорта {id}; выполните импорт заново.",
        "kk": "{id} импорты тексерілгеннен кейін «{layer}» қабаты өзгерді; импортты қайта орындаңыз.",
    },
    "Version {version} of layer '{layer}' is already the published one.": {
        "ru": "Версия {version} слоя «{layer}» уже опубликована.",
        "kk": "«{layer}» қабатының {version} нұсқасы жарияланып қойған.",
    },
    "Version {version} of layer '{layer}' is an import awaiting review; publish it through its import.": {
        "ru": "Версия {version} слоя «{layer}» — импорт, ожидающий проверки; опубликуйте её через импорт.",
        "kk": "«{layer}» қабатының {version} нұсқасы — қаралуды күтіп тұрған импорт; оны "
              "импорт арқылы жариялаңыз.",
    },
    "Version {version} of layer '{layer}' is published; it cannot be deleted.": {
        "ru": "Версия {version} слоя «{layer}» опубликована; её нельзя удалить.",
        "kk": "«{layer}» қабатының {version} нұсқасы жарияланған; оны жою мүмкін емес.",
    },
    "Layer '{layer}' has no published version to edit; import it first.": {
        "ru": "У слоя «{layer}» нет опубликованной версии для правки; сначала импортируйте его.",
        "kk": "«{layer}» қабатында өңдейтін жарияланған нұсқа жоқ; алдымен оны импорттаңыз.",
    },
    "Layer '{layer}' changed during the edit; send it again.": {
        "ru": "Слой «{layer}» изменился во время правки; отправьте её снова.",
        "kk": "Өңдеу кезінде «{layer}» қабаты өзгерді; оны қайта жіберіңіз.",
    },
    "Layer '{layer}' already has features with keys: {keys}.": {
        "ru": "В слое «{layer}» уже есть объекты с ключами: {keys}.",
        "kk": "«{layer}» қабатында мына кілттері бар нысандар бар: {keys}.",
    },
    "Layer '{layer}' has no feature '{id}'.": {
        "ru": "В слое «{layer}» нет объекта «{id}».",
        "kk": "«{layer}» қабатында «{id}» нысаны жоқ.",
    },
    "Layer '{layer}' has no attribute {names}.": {
        "ru": "У слоя «{layer}» нет атрибута {names}.",
        "kk": "«{layer}» қабатында {names} атрибуты жоқ.",
    },
    "The feature's '{key}' ({value}) differs from its URL id ({id}).": {
        "ru": "Поле «{key}» объекта ({value}) не совпадает с его идентификатором в URL ({id}).",
        "kk": "Нысанның «{key}» өрісі ({value}) URL-дегі идентификатордан ({id}) өзгеше.",
    },
    "The feature's geometry is not valid GeoJSON: {reason}.": {
        "ru": "Геометрия объекта — некорректный GeoJSON: {reason}.",
        "kk": "Нысанның геометриясы жарамды GeoJSON емес: {reason}.",
    },
    "The features have {count} faults: {faults}.": {
        "ru": "В объектах ошибок: {count}: {faults}.",
        "kk": "Нысандарда {count} қате бар: {faults}.",
    },
    "The body must be a GeoJSON Feature or FeatureCollection object.": {
        "ru": "Тело запроса должно быть объектом GeoJSON Feature или FeatureCollection.",
        "kk": "Сұрау денесі GeoJSON Feature немесе FeatureCollection нысаны болуы керек.",
    },
    "The body must be a GeoJSON Feature or FeatureCollection (its 'type').": {
        "ru": "Тело запроса должно быть GeoJSON Feature или FeatureCollection (поле 'type').",
        "kk": "Сұрау денесі GeoJSON Feature немесе FeatureCollection болуы керек ('type' өрісі).",
    },
    "The FeatureCollection holds no feature.": {
        "ru": "FeatureCollection не содержит объектов.",
        "kk": "FeatureCollection ішінде нысан жоқ.",
    },
    "Every member of 'features' must be a GeoJSON Feature.": {
        "ru": "Каждый элемент 'features' должен быть GeoJSON Feature.",
        "kk": "'features' ішіндегі әр элемент GeoJSON Feature болуы керек.",
    },
    "At most {count} features per request; use an import.": {
        "ru": "Не больше {count} объектов за запрос; используйте импорт.",
        "kk": "Бір сұрауда {count} нысаннан аспауы керек; импортты пайдаланыңыз.",
    },
    "The body must be a JSON object: a merge patch of the feature.": {
        "ru": "Тело запроса должно быть JSON-объектом: merge patch объекта.",
        "kk": "Сұрау денесі JSON нысаны болуы керек: нысанның merge patch-і.",
    },
    "'properties' in the patch must be an object.": {
        "ru": "'properties' в патче должно быть объектом.",
        "kk": "Патчтағы 'properties' нысан болуы керек.",
    },
    "A patch may change 'properties' and 'geometry', not {names}.": {
        "ru": "Патч может менять 'properties' и 'geometry', но не {names}.",
        "kk": "Патч 'properties' пен 'geometry'-ді өзгерте алады, {names} емес.",
    },
    "A feature's 'properties' must be an object.": {
        "ru": "'properties' объекта должно быть объектом.",
        "kk": "Нысанның 'properties' өрісі нысан болуы керек.",
    },
    "PUT replaces one feature: send a GeoJSON Feature.": {
        "ru": "PUT заменяет один объект: отправьте GeoJSON Feature.",
        "kk": "PUT бір нысанды ауыстырады: GeoJSON Feature жіберіңіз.",
    },
    "Send the body as JSON (Content-Type: application/json or application/geo+json).": {
        "ru": "Отправьте тело запроса в JSON (Content-Type: application/json или application/geo+json).",
        "kk": "Сұрау денесін JSON түрінде жіберіңіз (Content-Type: application/json немесе "
              "application/geo+json).",
    },
    "The body is not a JSON object.": {
        "ru": "Тело запроса — не JSON-объект.",
        "kk": "Сұрау денесі JSON нысаны емес.",
    },
    "Send the file as multipart/form-data in the field 'file'.": {
        "ru": "Отправьте файл как multipart/form-data в поле 'file'.",
        "kk": "Файлды multipart/form-data түрінде 'file' өрісінде жіберіңіз.",
    },
    "{name} must be true or false, not '{value}'.": {
        "ru": "{name} должно быть true или false, а не «{value}».",
        "kk": "{name} мәні true немесе false болуы керек, «{value}» емес.",
    },
    "onInvalid must be ask, reject or skip, not '{value}'.": {
        "ru": "onInvalid должно быть ask, reject или skip, а не «{value}».",
        "kk": "onInvalid мәні ask, reject немесе skip болуы керек, «{value}» емес.",
    },
    "invalidRows must be 'skip' (publish the valid rows) or 'reject'.": {
        "ru": "invalidRows должно быть 'skip' (опубликовать корректные строки) или 'reject'.",
        "kk": "invalidRows мәні 'skip' (дұрыс жолдарды жариялау) немесе 'reject' болуы керек.",
    },
    'Give the version to restore as a positive whole number: {"version": 3}.': {
        "ru": 'Укажите версию для восстановления положительным целым числом: {"version": 3}.',
        "kk": 'Қалпына келтірілетін нұсқаны оң бүтін санмен көрсетіңіз: {"version": 3}.',
    },
    "{name} must be a whole number from 1 to {maximum}.": {
        "ru": "{name} должно быть целым числом от 1 до {maximum}.",
        "kk": "{name} 1-ден {maximum}-ге дейінгі бүтін сан болуы керек.",
    },
    "{outside} of {total} features lie outside Almaty (the first at {lon}, {lat} after reprojection): "
    "the source coordinate reference system is probably wrong; give the right one (crs).": {
        "ru": "{outside} из {total} объектов лежат за пределами Алматы (первый — {lon}, {lat} после "
        "перепроецирования): вероятно, система координат источника указана неверно; "
        "укажите правильную (crs).",
        "kk": "{total} нысанның {outside}-і Алматыдан тыс жатыр (біріншісі қайта проекциялаудан кейін {lon}, "
        "{lat}): дереккөздің координаттар жүйесі қате болуы мүмкін; дұрысын көрсетіңіз (crs).",
    },
    "The source of layer '{layer}' has no field '{field}' for '{attribute}' (it has: {fields}).": {
        "ru": "В источнике слоя «{layer}» нет поля «{field}» для «{attribute}» (есть: {fields}).",
        "kk": "«{layer}» қабатының дереккөзінде «{attribute}» үшін «{field}» өрісі жоқ (бары: {fields}).",
    },
    "Layer '{layer}' declares no source to sync from.": {
        "ru": "У слоя «{layer}» не указан источник для синхронизации.",
        "kk": "«{layer}» қабатында синхрондау үшін дереккөз көрсетілмеген.",
    },
    "{row}: {field} is empty: every row needs a key": {
        "ru": "{row}: ключ {field} пуст: у каждой строки должен быть ключ",
        "kk": "{row}: {field} кілті бос: әр жолдың кілті болуы керек",
    },
}
DETAILS.update(PUBLISHING_DETAILS)

# CQL2 filters checked before any SQL (storage/cql_check.py, storage/cql_geometry.py)
FILTER_DETAILS: dict[str, dict[str, str]] = {
    "The filter is longer than {maximum} bytes.": {
        "ru": "Фильтр длиннее {maximum} байт.",
        "kk": "Сүзгі {maximum} байттан ұзын.",
    },
    "The filter has more than {maximum} terms.": {
        "ru": "В фильтре больше {maximum} элементов.",
        "kk": "Сүзгіде {maximum} элементтен көп.",
    },
    "The filter is nested more than {maximum} levels deep.": {
        "ru": "Вложенность фильтра больше {maximum} уровней.",
        "kk": "Сүзгінің кірістірілуі {maximum} деңгейден терең.",
    },
    "The filter has a value where a condition belongs.": {
        "ru": "В фильтре стоит значение там, где должно быть условие.",
        "kk": "Сүзгіде шарт тұруы керек жерде мән тұр.",
    },
    "LIKE works on text, not on {type}.": {
        "ru": "LIKE работает с текстом, а не с типом {type}.",
        "kk": "LIKE {type} түрімен емес, мәтінмен жұмыс істейді.",
    },
    "Arithmetic works on numbers, not on {type}.": {
        "ru": "Арифметика работает с числами, а не с типом {type}.",
        "kk": "Арифметика {type} түрімен емес, сандармен жұмыс істейді.",
    },
    "The function {name}() takes one text argument.": {
        "ru": "Функция {name}() принимает один текстовый аргумент.",
        "kk": "{name}() функциясы бір мәтіндік аргумент алады.",
    },
    "The filter compares values of different types: {left} and {right}.": {
        "ru": "Фильтр сравнивает значения разных типов: {left} и {right}.",
        "kk": "Сүзгі әр түрлі түрдегі мәндерді салыстырады: {left} және {right}.",
    },
    "Property names in a filter must be text.": {
        "ru": "Имена свойств в фильтре должны быть текстом.",
        "kk": "Сүзгідегі қасиет атаулары мәтін болуы керек.",
    },
    "Numbers in a filter must be finite.": {
        "ru": "Числа в фильтре должны быть конечными.",
        "kk": "Сүзгідегі сандар шекті болуы керек.",
    },
    "Text in a filter must not contain NUL characters.": {
        "ru": "Текст в фильтре не должен содержать символов NUL.",
        "kk": "Сүзгідегі мәтінде NUL таңбалары болмауы керек.",
    },
    "The geometry can only be used in a spatial predicate.": {
        "ru": "Геометрию можно использовать только в пространственном предикате.",
        "kk": "Геометрияны тек кеңістіктік предикатта қолдануға болады.",
    },
    "BBOX takes 4 or 6 numbers.": {
        "ru": "BBOX принимает 4 или 6 чисел.",
        "kk": "BBOX 4 немесе 6 сан алады.",
    },
    "The filter has a geometry whose coordinates are not finite numbers.": {
        "ru": "В фильтре есть геометрия, координаты которой не являются конечными числами.",
        "kk": "Сүзгідегі геометрияның координаттары шекті сандар емес.",
    },
    "The filter has a geometry of unknown type '{type}'.": {
        "ru": "В фильтре есть геометрия неизвестного типа «{type}».",
        "kk": "Сүзгіде белгісіз «{type}» түріндегі геометрия бар.",
    },
    "The filter has a {type} with too few points.": {
        "ru": "В фильтре есть {type} со слишком малым числом точек.",
        "kk": "Сүзгідегі {type} нүктелері тым аз.",
    },
    "The filter has a polygon ring that does not close.": {
        "ru": "В фильтре есть незамкнутое кольцо полигона.",
        "kk": "Сүзгіде тұйықталмаған полигон сақинасы бар.",
    },
    "The filter has an invalid geometry.": {
        "ru": "В фильтре есть некорректная геометрия.",
        "kk": "Сүзгіде қате геометрия бар.",
    },
}
DETAILS.update(FILTER_DETAILS)

# requests gunicorn refuses before the app sees them (geohub/worker.py)
SERVER_TITLES: dict[str, dict[str, str]] = {
    "bad-request": {"ru": "Некорректный запрос", "kk": "Сұрау қате"},
    "uri-too-long": {"ru": "Слишком длинный URI", "kk": "URI тым ұзын"},
    "request-header-fields-too-large": {"ru": "Слишком большие заголовки", "kk": "Тақырыптар тым үлкен"},
    "expectation-failed": {"ru": "Ожидание не выполнено", "kk": "Күтілген шарт орындалмады"},
}
TITLES.update(SERVER_TITLES)
SERVER_DETAILS: dict[str, dict[str, str]] = {
    "The request line is too long.": {
        "ru": "Строка запроса слишком длинная.",
        "kk": "Сұрау жолы тым ұзын.",
    },
    "The request has too many headers, or one that is too large.": {
        "ru": "В запросе слишком много заголовков или слишком большой заголовок.",
        "kk": "Сұрауда тақырыптар тым көп немесе біреуі тым үлкен.",
    },
    "Only Expect: 100-continue is supported.": {
        "ru": "Поддерживается только Expect: 100-continue.",
        "kk": "Тек Expect: 100-continue қолдау көрсетіледі.",
    },
    "Proxy requests are not accepted from this address.": {
        "ru": "Прокси-запросы с этого адреса не принимаются.",
        "kk": "Бұл мекенжайдан прокси-сұраулар қабылданбайды.",
    },
    "The request line is not valid HTTP.": {
        "ru": "Строка запроса не является корректным HTTP.",
        "kk": "Сұрау жолы дұрыс HTTP емес.",
    },
    "The request method is not valid HTTP.": {
        "ru": "Метод запроса не является корректным HTTP.",
        "kk": "Сұрау әдісі дұрыс HTTP емес.",
    },
    "The HTTP version is not supported.": {
        "ru": "Версия HTTP не поддерживается.",
        "kk": "HTTP нұсқасына қолдау көрсетілмейді.",
    },
    "The request's Transfer-Encoding is not supported.": {
        "ru": "Transfer-Encoding запроса не поддерживается.",
        "kk": "Сұраудың Transfer-Encoding түріне қолдау көрсетілмейді.",
    },
    "The request has a header that is not valid HTTP.": {
        "ru": "В запросе есть заголовок, не являющийся корректным HTTP.",
        "kk": "Сұрауда дұрыс HTTP емес тақырып бар.",
    },
    "The request is not valid HTTP.": {
        "ru": "Запрос не является корректным HTTP.",
        "kk": "Сұрау дұрыс HTTP емес.",
    },
}
DETAILS.update(SERVER_DETAILS)


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@cache
def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{\w+\})", template)
    seen: set[str] = set()
    regex = ""
    for part in parts:
        if _PLACEHOLDER.fullmatch(part):  # a name used twice must match the same text twice
            name = part[1:-1]
            regex += f"(?P={name})" if name in seen else f"(?P<{name}>.*?)"
            seen.add(name)
        else:
            regex += re.escape(part)
    return re.compile(f"^{regex}$", re.S)


def localize_detail(detail: str, language: str) -> str:
    """`detail` in `language` (kk, ru or en); unchanged when the catalogue has no template for it."""
    if language == "en":
        return detail
    for template, translations in DETAILS.items():
        match = _pattern(template).match(detail)
        if match and language in translations:
            return _fill(translations[language], match.groupdict())
    return detail


def _fill(template: str, values: dict[str, str]) -> str:
    """`template` with each {name} replaced; other braces (JSON examples) are left as written."""
    return _PLACEHOLDER.sub(lambda m: values.get(m[1], m[0]), template)


def localize_title(slug: str, english: str, language: str) -> str:
    """The problem title for `slug` in `language`."""
    return TITLES.get(slug, {}).get(language, english)
