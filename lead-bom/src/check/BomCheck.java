import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * Checks that lead-bom lists exactly the published modules of the reactor (run by {@code mvn verify} in lead-bom):
 * every module of the root pom whose artifact is deployed (no {@code maven.deploy.skip=true}), except the BOM itself,
 * must be in the BOM's dependencyManagement at {@code ${project.version}}, and nothing else may be.
 * Usage: {@code java BomCheck.java <root pom.xml> <bom pom.xml>}.
 */
public final class BomCheck {
  public static void main(String[] args) throws Exception {
    Path rootPom = Path.of(args[0]).toAbsolutePath().normalize();
    Path bomPom = Path.of(args[1]).toAbsolutePath().normalize();
    Element root = read(rootPom);
    TreeSet<String> published = new TreeSet<>();
    for (Element module : children(child(root, "modules"), "module")) {
      Path pom = rootPom.getParent().resolve(module.getTextContent().trim()).resolve("pom.xml");
      Element project = read(pom);
      String artifactId = text(child(project, "artifactId"));
      Element properties = child(project, "properties");
      boolean skipped = properties != null && "true".equals(text(child(properties, "maven.deploy.skip")));
      if (!skipped && !pom.equals(bomPom)) {
        published.add(artifactId);
      }
    }
    Element bom = read(bomPom);
    TreeSet<String> listed = new TreeSet<>();
    List<String> problems = new ArrayList<>();
    for (Element dep : children(child(child(bom, "dependencyManagement"), "dependencies"), "dependency")) {
      String artifactId = text(child(dep, "artifactId"));
      if (!"io.leadrouter".equals(text(child(dep, "groupId")))) {
        problems.add(artifactId + ": not an io.leadrouter artifact (the BOM lists only LeadRouter's own modules)");
      } else if (!"${project.version}".equals(text(child(dep, "version")))) {
        problems.add(artifactId + ": version must be ${project.version}, so the BOM and the modules release together");
      }
      listed.add(artifactId);
    }
    for (String m : published) {
      if (!listed.contains(m)) {
        problems.add(m + ": a published module missing from lead-bom (add it to lead-bom/pom.xml, or set"
            + " maven.deploy.skip=true in its pom if it is not published)");
      }
    }
    for (String m : listed) {
      if (!published.contains(m)) {
        problems.add(m + ": listed in lead-bom but not a published module of the reactor (remove it from"
            + " lead-bom/pom.xml)");
      }
    }
    if (!problems.isEmpty()) {
      System.err.println("lead-bom does not match the published modules:");
      problems.forEach(p -> System.err.println("  - " + p));
      System.exit(1);
    }
    System.out.println("lead-bom lists the " + published.size() + " published modules: " + published);
  }

  private static Element read(Path pom) throws Exception {
    if (!Files.isRegularFile(pom)) {
      throw new IllegalStateException(pom + " does not exist");
    }
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    Document doc = f.newDocumentBuilder().parse(pom.toFile());
    return doc.getDocumentElement();
  }

  private static Element child(Element parent, String name) {
    if (parent == null) {
      return null;
    }
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && e.getTagName().equals(name)) {
        return e;
      }
    }
    return null;
  }

  private static List<Element> children(Element parent, String name) {
    List<Element> out = new ArrayList<>();
    if (parent != null) {
      NodeList nodes = parent.getChildNodes();
      for (int i = 0; i < nodes.getLength(); i++) {
        if (nodes.item(i) instanceof Element e && e.getTagName().equals(name)) {
          out.add(e);
        }
      }
    }
    return out;
  }

  private static String text(Element e) {
    return e == null ? null : e.getTextContent().trim();
  }
}
