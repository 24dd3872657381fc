package dev.takeover.sim.api;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.server.mock.KubernetesAttributesExtractor;
import io.fabric8.mockwebserver.crud.Attribute;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.crud.AttributeType;
import io.fabric8.mockwebserver.http.HttpUrl;

import java.util.Map;

/**
 * The mock filters lists and watches by comparing the attributes parsed from a request's selectors with the
 * attributes stored for each object. The stock extractor stores only name, namespace and labels, so
 * {@code fieldSelector=spec.nodeName=X} matched nothing. This one also stores the fields of {@link FieldIndex},
 * which makes lists and watches (ADDED/DELETED when an object starts or stops matching) behave as on a real server.
 */
public final class FieldIndexingAttributesExtractor extends KubernetesAttributesExtractor {

  @Override
  public AttributeSet extract(HasMetadata resource) {
    AttributeSet attributes = super.extract(resource);
    for (Map.Entry<String, String> field : FieldIndex.fieldsOf(resource).entrySet()) {
      attributes = attributes.add(new Attribute(field.getKey(), field.getValue()));
    }
    return attributes;
  }

  /** Adds what the stock parser skips: requirements with an empty value ({@code spec.nodeName=}, {@code spec.nodeName!=}). */
  @Override
  public AttributeSet fromPath(String path) {
    AttributeSet attributes = super.fromPath(path);
    if (path == null || !path.contains("fieldSelector=")) {
      return attributes;
    }
    HttpUrl url = HttpUrl.parse("http://localhost" + (path.startsWith("/") ? path : "/" + path));
    String selector = url == null ? null : url.queryParameter("fieldSelector");
    if (selector == null) {
      return attributes;
    }
    for (String requirement : selector.split(",")) {
      if (requirement.endsWith("!=")) {
        attributes = attributes.add(new Attribute(requirement.substring(0, requirement.length() - 2), "", AttributeType.WITHOUT));
      } else if (requirement.endsWith("==")) {
        attributes = attributes.add(new Attribute(requirement.substring(0, requirement.length() - 2), ""));
      } else if (requirement.endsWith("=")) {
        attributes = attributes.add(new Attribute(requirement.substring(0, requirement.length() - 1), ""));
      }
    }
    return attributes;
  }
}
