"""The Spanish words and patterns each quality item's rule looks for (`quality.py`).

Kept apart from the rules so that a supervisor's or a reviewer's new phrase is a one-line
change here. Every phrase is written as `quality._words` leaves text: lower case, without
accents, punctuation spaced out; each matches on word edges.
"""

from __future__ import annotations

import re

# Screens of the tool's domain that DÓNDE may name (the policy file adds its own).
SCREENS = (
    "pantalla", "seccion", "modulo", "menu", "apartado", "pestana", "boton", "formulario",
    "ventana", "vista", "pagina de", "paso", "endosos", "endoso", "pagos", "pago", "cobranza",
    "cobros", "emision", "emitir", "cotizador", "cotizacion", "siniestros", "mis polizas",
    "inicio de sesion", "login", "facturacion", "factura", "renovacion", "renovaciones",
    "domiciliacion", "perfil", "documentos", "recibos", "carrito", "checkout", "tablero",
    "bandeja", "consulta de polizas", "alta de cliente", "registro", "buscador", "descargas",
    "reportes", "asistencia", "mi cuenta", "cartera", "poliza digital", "siniestro",
    "reporte de siniestro", "coberturas", "conductores", "credencial", ">",
)
PLATFORMS = (
    "app", "aplicacion", "movil", "celular", "android", "iphone", "ios", "web", "portal",
    "pagina", "sitio", "navegador", "chrome", "safari", "edge", "firefox", "escritorio",
    "tablet", "ipad",
)
# «No funciona» alone says nothing an engineer can look at.
VAGUE = (
    "no funciona", "no sirve", "falla", "fallo", "esta mal", "tiene problemas",
    "tiene un problema", "hay un problema", "problema", "error", "no jala", "no va",
    "no anda", "algo paso", "no se puede", "urgente", "ayuda", "revisar", "checar", "favor de",
    "por favor", "el cliente", "la clienta", "cliente", "reporta", "dice que", "comenta que",
    "con el sistema", "en el sistema", "la app", "el portal",
)
SYMPTOMS = (
    "aparece", "muestra", "sale", "marca", "no guarda", "no se guarda", "se cierra",
    "se queda", "queda cargando", "cargando", "se congela", "congela", "rechaza", "rechazo",
    "cobra", "cobro", "cobraron", "duplica", "duplicado", "doble", "no permite", "no deja",
    "no carga", "no aparece", "no muestra", "no refleja", "no se refleja", "no llega",
    "no llego", "tarda", "en blanco", "se traba", "bloquea", "bloqueado", "bloqueada",
    "regresa", "redirige", "expulsa", "cierra la sesion", "desaparece", "borra", "se borra",
    "no envia", "no descarga", "no abre", "no se abre", "no acepta", "no reconoce",
    "no encuentra", "incorrecto", "incorrecta", "equivocado", "equivocada", "diferente",
    "distinto", "distinta", "vacio", "vacia", "sin datos", "mensaje", "leyenda", "aviso",
    "timeout", "tiempo de espera", "gira", "circulo", "spinner", "reinicia", "truena",
    "crashea", "pantalla blanca", "no actualiza", "sigue apareciendo", "no valida",
    "no coincide", "no se genera", "no genera", "no se emite", "no emite", "no imprime",
    "no se puede emitir", "no se puede pagar", "no se puede descargar", "sale error",
    "salta", "manda", "envia", "lo saca", "la saca", "se sale", "se pierde", "pierde",
    "salen", "saliendo", "salio", "trae", "sigue", "siguen", "cambia", "queda", "quedo",
    "pide", "pidiendo", "se ve", "se ven", "descuadrada", "descuadrado", "cobrando",
    "se aplico", "se cargo", "en $0", "en cero", "sin acentos", "dos veces", "no permitido",
    "canceladas", "vencida", "vencido", "detiene", "deshabilitado", "gris",
)
# «no» and a verb: what the screen did not do («no lo deja guardar», «no le llegan»); the
# vague ones («no funciona», «no sirve») are taken out before this is looked for.
NEGATED = re.compile(r"(?<!\w)no (?:se |le |lo |la |les |los |me |nos )?(?!funciona|sirve|jala|"
                     r"anda|va\b|se pued|pued)[a-z]{3,}")
ACTIONS = (
    "ingresa", "ingreso", "entra", "entro", "abre", "abrio", "selecciona", "selecciono",
    "elige", "eligio", "da clic", "dio clic", "clic", "click", "presiona", "presiono",
    "pulsa", "pulso", "toca", "toco", "captura", "capturo", "llena", "lleno", "escribe",
    "escribio", "teclea", "tecleo", "busca", "busco", "guarda", "guardo", "envia", "envio",
    "sube", "subio", "adjunta", "adjunto", "carga", "cargo", "paga", "pago con", "pagar",
    "confirma", "confirmo", "acepta", "acepto", "cambia", "cambio el", "modifica",
    "modifico", "descarga", "descargo", "imprime", "imprimio", "inicia sesion",
    "inicio sesion", "se loguea", "valida", "valido", "regresa", "regreso", "cierra",
    "cerro", "agrega", "agrego", "marca", "marco", "cotiza", "cotizo", "emite", "emitio",
    "intenta", "intento", "va a", "fue a", "navega", "despliega", "registra", "registro",
    "autoriza", "autorizo", "finaliza", "finalizo", "continua", "continuo", "siguiente",
    "enviar", "guardar", "aceptar", "continuar", "emitir", "descargar",
    "toma", "tomar", "adjuntar", "espera", "revisa", "reviso", "compara", "consulta",
    "consulto", "filtra", "filtro", "genera", "genero", "permite", "pone", "puso",
    "transfiere", "buscar", "abrir", "entrar", "seleccionar", "capturar",
    "imprimir", "generar", "activo", "activa", "recibe", "da entrar", "da aceptar",
    "da enviar", "da guardar", "da emitir", "da pagar", "da siguiente", "da validar",
)
# «da clic en Guardar» is one action: the button's name after a press is not another.
BUTTON = re.compile(r"\b((?:clic|click) en|presiona|presiono|pulsa|pulso|toca|toco|oprime) "
                    r"(?:el |la |boton |opcion )*\w+")
STEP_MARKERS = re.compile(
    r">|→|->|;|\n|\b\d+[.)]\s|\b(?:luego|despues|entonces|posteriormente|enseguida|"
    r"al final|y al dar|al dar clic|al presionar|al guardar|al enviar|al pagar|al intentar|"
    r"y despues|primero|segundo|tercero|finalmente)\b")
EXPECTED = (
    "deberia", "debe ", "deben ", "esperaba", "se esperaba", "esperado", "tendria que",
    "tiene que", "en lugar de", "en vez de", "lo correcto", "lo normal", "normalmente",
    "antes si", "antes salia", "antes se", "siempre ha", "hasta ayer", "correcto seria",
    "habria de", "deberian", "se espera", "lo esperado", "tendrian que", "en vez del",
    "en lugar del", "antes listaba", "antes dejaba", "antes mostraba", "antes aparecia",
    "antes funcionaba", "antes se habilitaba",
)
EVIDENCE = re.compile(
    r"[\"«“'][^\"»”']{6,}[\"»”']"  # a quoted message
    r"|\b(?:ERROR|ERR|CODIGO|COD|HTTP|STATUS|ESTATUS|FOLIO DE ERROR)\s*[:#-]?\s*[A-Z]*[-_]?\d{2,}"
    r"|\b[A-Z]{2,6}[-_]\d{2,6}\b(?<!POL-\d{4})"  # E-102, ERR_500, PAY-0042
    r"|\b(?:4\d\d|5\d\d)\b(?=.*\b(?:ERROR|HTTP|SERVIDOR|SERVER|STATUS)\b)"
    r"|\b(?:EXCEPTION|NULLPOINTER|TIMEOUT|STACK ?TRACE|ORA-\d+)\b")
IMPACT = (
    "cancelar", "cancelacion", "cancela", "dar de baja", "darse de baja", "se quiere ir",
    "cambiarse de aseguradora", "otra aseguradora", "queja", "condusef", "demanda",
    "profeco", "molesto", "molesta", "inconforme", "cobro", "cobrado", "cobraron", "cargo",
    "cargos", "doble", "duplicado", "reembolso", "devolucion", "dinero", "pesos", "$", "mxn",
    "monto", "no puede emitir", "no se puede emitir", "no puede renovar", "no se puede renovar",
    "no ha podido renovar", "no se emite", "no emite", "sin poliza", "vence", "vencer",
    "vencida", "vencimiento", "sin cobertura", "sin seguro", "desprotegido", "desprotegida",
    "no puede circular", "multa", "varios clientes", "todos los clientes", "otros clientes",
    "varios agentes", "otros agentes", "todos los agentes", "masivo", "masiva", "a todos",
    "mas clientes", "muchos clientes", "clientes afectados", "no puede pagar",
    "no ha podido pagar", "pierde la venta", "perder la venta", "venta",
    "no puede facturar", "deducible", "recargo", "pago no aplicado", "no se aplico",
    "prima", "cobrando", "cobrar", "pagado", "ningun agente", "ningun cliente", "nadie puede",
    "no puede deducir", "no puedo emitir",
)
# «no puede emitir», «no se pueden renovar», «otros tres clientes»: said with any words.
IMPACT_PHRASES = re.compile(
    r"(?<!\w)no (?:se )?(?:puede|pueden|puedo|podemos|deja|ha podido|han podido) "
    r"(?:\w+ )?(?:emitir|renovar|pagar|circular)"
    r"|(?<!\w)(?:otros|otras|varios|varias|muchos|todos los|\d+|dos|tres|cuatro|cinco|diez)"
    r" (?:\w+ )?(?:clientes|agentes|asegurados|polizas|empleados)(?!\w)")
WHEN = re.compile(
    r"\b(?:HOY|AYER|ANTIER|ANTEAYER|MANANA|ESTA MANANA|ESTA TARDE|ANOCHE|LUNES|MARTES|"
    r"MIERCOLES|JUEVES|VIERNES|SABADO|DOMINGO|SEMANA|ENERO|FEBRERO|MARZO|ABRIL|MAYO|JUNIO|"
    r"JULIO|AGOSTO|SEPTIEMBRE|OCTUBRE|NOVIEMBRE|DICIEMBRE|HRS|HORAS)\b"
    r"|\bDESDE (?:EL |LA )?(?:HACE|AYER|HOY|ESTA|ANOCHE|LUNES|MARTES|MIERCOLES|JUEVES|"
    r"VIERNES|SABADO|DOMINGO|ACTUALIZACION|CAMBIO|LAS? \d|\d)"
    r"|\b\d{1,2}:\d{2}\b|\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b|\b\d{4}-\d{2}-\d{2}\b")
# CUÁNDO answers that say nothing of when.
NOT_WHEN = frozenset({"SIEMPRE", "NUNCA", "NO SE", "NO SABE", "NO RECUERDA", "DESCONOCIDO",
                      "NO INDICADO", "SIN FECHA"})
ENDOSO = (
    "endoso", "endosar", "endosos", "cambio de placa", "cambio de placas", "cambiar la placa",
    "cambiar las placas", "cambio de domicilio", "cambiar el domicilio", "cambiar domicilio",
    "cambio de direccion", "cambiar la direccion", "cambio de nombre", "corregir el nombre",
    "correccion de nombre", "cambio de beneficiario", "cambiar el beneficiario",
    "cambio de contratante", "cambio de conductor", "cambio de vehiculo", "cambiar el vehiculo",
    "sustitucion de vehiculo", "cambio de serie", "corregir la serie", "numero de serie",
    "cambio de rfc", "corregir el rfc", "corregir la curp", "cambio de curp",
    "actualizar datos", "actualizacion de datos", "actualizar sus datos", "cambio de datos",
    "correccion de datos", "corregir datos", "cambio de uso", "cambio de color",
    "cambio de correo", "cambio de telefono", "cambiar el correo", "cambiar el telefono",
    "alta de conductor", "baja de conductor", "cambio de modelo", "corregir el modelo",
)
PLACEHOLDER = re.compile(
    r"(?<!\w)(?:X{3,}|\?{3,}|\.{4,}|ASDF\w*|QWERTY|PENDIENTE|POR DEFINIR|TBD|TODO|N/A|"
    r"SIN DATOS|LO MISMO|IDEM|ETC\.? ETC|VER ADJUNTO|VER CORREO|LLENAR|COMPLETAR|PRUEBA|TEST)"
    r"(?!\w)")
