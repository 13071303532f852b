// JSON text <-> Value. Parsing uses nlohmann/json's SAX interface because it
// hands over the exact lexeme of every non-integer number; its DOM is not
// used, since its number types (int64/uint64/double) would round values.
// Known limit: nlohmann rejects numbers that overflow a double (1e400); jsonb
// accepts them, and the extension, which converts jsonb directly, does too.
#include "json_text.h"

#include <nlohmann/json.hpp>

namespace draft_mode::engine {

namespace {

// Builds a Value tree from SAX events, keeping numbers as text.
class TreeBuilder : public nlohmann::json_sax<nlohmann::json> {
  public:
    explicit TreeBuilder(const Limits &limits) : limits_(limits) {}

    bool null() override { return place(Value()); }
    bool boolean(bool b) override { return place(Value::boolean(b)); }
    bool number_integer(number_integer_t n) override
    {
        return place(Value::number(std::to_string(n)));
    }
    bool number_unsigned(number_unsigned_t n) override
    {
        return place(Value::number(std::to_string(n)));
    }
    bool number_float(number_float_t, const string_t &lexeme) override
    {
        return place(Value::number(lexeme));
    }
    bool string(string_t &s) override { return place(Value::string(std::move(s))); }
    bool binary(binary_t &) override { return false; }
    bool start_object(std::size_t) override { return open(Value::object()); }
    bool key(string_t &k) override
    {
        key_ = std::move(k);
        return true;
    }
    bool end_object() override { return close(); }
    bool start_array(std::size_t) override { return open(Value::array()); }
    bool end_array() override { return close(); }
    bool parse_error(std::size_t position, const std::string &,
                     const nlohmann::detail::exception &error) override
    {
        throw EngineError(ErrorKind::InvalidJson, std::string("invalid JSON text: ") + error.what(),
                          "{\"position\":" + std::to_string(position) + "}");
    }

    Value result() { return std::move(root_); }

  private:
    // Stores a finished value in the open container (or as the root).
    bool place(Value value)
    {
        if (stack_.empty()) {
            root_ = std::move(value);
            return true;
        }
        Value &parent = *stack_.back();
        if (parent.is_array())
            parent.as_array().push_back(std::move(value));
        else
            parent.as_object().set(std::move(key_), std::move(value));
        return true;
    }

    // Places a new container and makes it the open one.
    bool open(Value container)
    {
        if (stack_.size() >= limits_.max_depth)
            throw EngineError(
                ErrorKind::LimitExceeded,
                "JSON text nesting exceeds the limit of " + std::to_string(limits_.max_depth) +
                    " levels",
                "{\"limit\":\"max_depth\",\"value\":" + std::to_string(limits_.max_depth) + "}");
        Value *slot;
        if (stack_.empty()) {
            root_ = std::move(container);
            slot = &root_;
        } else if (stack_.back()->is_array()) {
            Array &items = stack_.back()->as_array();
            items.push_back(std::move(container));
            slot = &items.back();
        } else {
            slot = &stack_.back()->as_object().set(std::move(key_), std::move(container));
        }
        stack_.push_back(slot);
        return true;
    }

    bool close()
    {
        stack_.pop_back();
        return true;
    }

    const Limits &limits_;
    Value root_;
    std::vector<Value *> stack_; // open containers; each lives inside its parent
    std::string key_;
};

void write(std::string &out, const Value &value)
{
    switch (value.kind()) {
    case Kind::Null:
        out += "null";
        return;
    case Kind::Boolean:
        out += value.as_boolean() ? "true" : "false";
        return;
    case Kind::Number:
        out += value.number_text();
        return;
    case Kind::String:
        append_json_string(out, value.as_string());
        return;
    case Kind::Array: {
        out += '[';
        bool first = true;
        for (const Value &item : value.as_array()) {
            if (!first)
                out += ',';
            first = false;
            write(out, item);
        }
        out += ']';
        return;
    }
    case Kind::Object: {
        out += '{';
        bool first = true;
        for (const Member &member : value.as_object().members()) {
            if (!first)
                out += ',';
            first = false;
            append_json_string(out, member.first);
            out += ':';
            write(out, member.second);
        }
        out += '}';
        return;
    }
    }
}

} // namespace

Value parse_json(std::string_view text, const Limits &limits)
{
    TreeBuilder builder(limits);
    nlohmann::json::sax_parse(text.begin(), text.end(), &builder);
    return builder.result();
}

std::string to_json(const Value &value)
{
    std::string out;
    write(out, value);
    return out;
}

} // namespace draft_mode::engine
