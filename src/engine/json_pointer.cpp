// JSON Pointer (RFC 6901).
#include "json_pointer.h"

#include <cstdint>

#include "engine_error.h"

namespace draft_mode::engine {

namespace {

// The InvalidPointer error for text; quotes at most max_quoted_bytes of it.
EngineError invalid_pointer(std::string_view text, const char *reason)
{
    std::string quoted(text.substr(0, max_quoted_bytes + 4));
    std::string detail = "{\"pointer\":";
    append_json_string_capped(detail, quoted);
    detail += ",\"reason\":\"";
    detail += reason;
    detail += "\"}";
    std::string message = "invalid JSON pointer ";
    append_json_string_capped(message, quoted);
    return EngineError(ErrorKind::InvalidPointer, message, detail);
}

// The child of container named by token, or nullptr.
const Value *child_of(const Value &container, std::string_view token)
{
    if (container.is_object())
        return container.as_object().find(token);
    if (container.is_array()) {
        auto index = parse_array_index(token);
        const Array &items = container.as_array();
        return index && *index < items.size() ? &items[*index] : nullptr;
    }
    return nullptr;
}

} // namespace

Pointer Pointer::parse(std::string_view text)
{
    Pointer pointer;
    if (text.empty())
        return pointer;
    auto invalid = [&](const char *reason) { return invalid_pointer(text, reason); };
    if (text[0] != '/')
        throw invalid("must_start_with_slash");
    std::string token;
    for (std::size_t i = 1; i <= text.size(); ++i) {
        if (i == text.size() || text[i] == '/') {
            pointer.tokens.push_back(std::move(token));
            token.clear();
        } else if (text[i] == '~') {
            if (i + 1 < text.size() && (text[i + 1] == '0' || text[i + 1] == '1')) {
                token += text[i + 1] == '0' ? '~' : '/';
                ++i;
            } else {
                throw invalid("bad_escape");
            }
        } else {
            token += text[i];
        }
    }
    return pointer;
}

std::string Pointer::to_string() const
{
    std::string out;
    for (const std::string &token : tokens) {
        out += '/';
        for (char c : token) {
            if (c == '~')
                out += "~0";
            else if (c == '/')
                out += "~1";
            else
                out += c;
        }
    }
    return out;
}

bool Pointer::is_proper_prefix_of(const Pointer &other) const
{
    if (tokens.size() >= other.tokens.size())
        return false;
    for (std::size_t i = 0; i < tokens.size(); ++i)
        if (tokens[i] != other.tokens[i])
            return false;
    return true;
}

Pointer Pointer::child(std::string token) const
{
    Pointer result = *this;
    result.tokens.push_back(std::move(token));
    return result;
}

Pointer Pointer::child(std::size_t index) const
{
    return child(std::to_string(index));
}

std::optional<std::size_t> parse_array_index(std::string_view token)
{
    if (token.empty() || (token.size() > 1 && token[0] == '0'))
        return std::nullopt;
    std::size_t index = 0;
    bool overflow = false;
    for (char c : token) {
        if (c < '0' || c > '9')
            return std::nullopt;
        // RFC 6901's grammar has no length limit: a longer index is valid,
        // just larger than any array (it saturates, so it is out of range).
        if (overflow || index > (SIZE_MAX - 9) / 10)
            overflow = true;
        else
            index = index * 10 + static_cast<std::size_t>(c - '0');
    }
    return overflow ? SIZE_MAX : index;
}

void check_pointer_syntax(std::string_view text, Interrupt *interrupt)
{
    if (text.empty())
        return;
    if (text[0] != '/')
        throw invalid_pointer(text, "must_start_with_slash");
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (interrupt != nullptr)
            interrupt->tick();
        if (text[i] == '~' && (i + 1 == text.size() || (text[i + 1] != '0' && text[i + 1] != '1')))
            throw invalid_pointer(text, "bad_escape");
    }
}

std::string_view next_pointer_token(std::string_view text, std::size_t &position) noexcept
{
    std::size_t start = position + 1; // past the '/'
    std::size_t end = text.find('/', start);
    if (end == std::string_view::npos)
        end = text.size();
    position = end;
    return text.substr(start, end - start);
}

std::size_t unescape_pointer_token(std::string_view token, char *out) noexcept
{
    std::size_t length = 0;
    for (std::size_t i = 0; i < token.size(); ++i) {
        if (token[i] == '~') {
            out[length++] = token[i + 1] == '0' ? '~' : '/';
            ++i;
        } else {
            out[length++] = token[i];
        }
    }
    return length;
}

const Value *find(const Value &document, std::string_view text, Interrupt *interrupt)
{
    check_pointer_syntax(text, interrupt);
    const Value *current = &document;
    std::string token;
    std::size_t position = 0;
    while (position < text.size()) {
        std::string_view escaped = next_pointer_token(text, position);
        token.resize(escaped.size());
        token.resize(unescape_pointer_token(escaped, token.data()));
        current = child_of(*current, token);
        if (current == nullptr)
            return nullptr;
    }
    return current;
}

const Value *find(const Value &document, const Pointer &pointer)
{
    const Value *current = &document;
    for (const std::string &token : pointer.tokens) {
        if (current->is_object()) {
            current = current->as_object().find(token);
        } else if (current->is_array()) {
            auto index = parse_array_index(token);
            const Array &items = current->as_array();
            current = index && *index < items.size() ? &items[*index] : nullptr;
        } else {
            current = nullptr;
        }
        if (current == nullptr)
            return nullptr;
    }
    return current;
}

} // namespace draft_mode::engine
