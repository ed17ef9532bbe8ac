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
    "conflict": {"ru": "Конфликт", "kk": "Қайшылық"},
    "upload-too-large": {"ru": "Файл слишком большой", "kk": "Файл тым үлкен"},
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
    "The filter is longer than {count} characters.": {
        "ru": "Фильтр длиннее {count} символов.",
        "kk": "Сүзгі {count} таңбадан ұзын.",
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
    "The request body is larger than {size} bytes.": {
        "ru": "Тело запроса больше {size} байт.",
        "kk": "Сұрау денесі {size} байттан үлкен.",
    },
}


@cache
def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{\w+\})", template)
    regex = "".join(f"(?P<{p[1:-1]}>.*?)" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(f"^{regex}$", re.S)


def localize_detail(detail: str, language: str) -> str:
    """`detail` in `language` (kk, ru or en); unchanged when the catalogue has no template for it."""
    if language == "en":
        return detail
    for template, translations in DETAILS.items():
        match = _pattern(template).match(detail)
        if match and language in translations:
            return translations[language].format(**match.groupdict())
    return detail


def localize_title(slug: str, english: str, language: str) -> str:
    """The problem title for `slug` in `language`."""
    return TITLES.get(slug, {}).get(language, english)
