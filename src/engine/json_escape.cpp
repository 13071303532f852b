// JSON string quoting for messages and details: the one piece of JSON text
// output the extension itself needs (json_text.cpp, the parser, is for the
// tests, fuzzer and benchmarks only, and stays out of draft_mode.so).
#include "engine_error.h"

namespace draft_mode::engine {

void append_json_string(std::string &out, const std::string &text)
{
    static const char hex[] = "0123456789abcdef";
    out += '"';
    for (unsigned char c : text) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        case '\b':
            out += "\\b";
            break;
        case '\f':
            out += "\\f";
            break;
        default:
            if (c < 0x20) {
                out += "\\u00";
                out += hex[c >> 4];
                out += hex[c & 15];
            } else {
                out += static_cast<char>(c);
            }
        }
    }
    out += '"';
}

void append_json_string_capped(std::string &out, const std::string &text)
{
    if (text.size() <= max_quoted_bytes) {
        append_json_string(out, text);
        return;
    }
    std::size_t cut = max_quoted_bytes;
    // Step back over UTF-8 continuation bytes so no character is split.
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
        --cut;
    append_json_string(out, text.substr(0, cut) + "...");
}

} // namespace draft_mode::engine
